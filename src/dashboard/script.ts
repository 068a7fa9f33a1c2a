import { clientScript } from './client.generated.js';

/**
 * The dashboard's browser script, served as its own file (the CSP allows no inline script): the
 * typed TypeScript of src/dashboard/client/, bundled before every build by scripts/dashboard-script.mjs.
 * Values from the API are untrusted (server URLs, errors, callback URLs): they only ever reach the
 * page as text nodes, never through innerHTML.
 */
export const script = clientScript;
