/** The dashboard's browser script (src/dashboard/client/) as one file, bundled by scripts/dashboard-script.mjs. */
export declare const clientScript: string;
