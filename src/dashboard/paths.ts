/** Where the dashboard is mounted, and its two assets (served beside the page, as the CSP requires). */
export const DASHBOARD_PATH = '/admin/dashboard';
export const SCRIPT_FILE = 'dashboard.js';
export const STYLES_FILE = 'dashboard.css';
/** The JSON admin API the script calls. */
export const ADMIN_API_PATH = '/admin/v1';
