import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import { page } from './page.js';
import { DASHBOARD_PATH, SCRIPT_FILE, STYLES_FILE } from './paths.js';
import { script } from './script.js';
import { styles } from './styles.js';

/**
 * The operator dashboard (docs/dashboard.md): a static page, its script and styles. They hold no
 * data and need no token; the script asks for the admin token and calls `/admin/v1` with it.
 */

// Only our own script, styles and API: no inline code, nothing external, never framed.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Revalidated on every load, so a deploy is seen at once.
  'Cache-Control': 'no-cache',
};

const reply = (body: string, type: string, status = 200) =>
  new Response(body, { status, headers: { ...HEADERS, 'Content-Type': `${type}; charset=utf-8` } });

export { DASHBOARD_PATH };

export const dashboard = new Hono<AppEnv>();

dashboard.get('/', () => reply(page, 'text/html'));
dashboard.get(`/${SCRIPT_FILE}`, () => reply(script, 'text/javascript'));
dashboard.get(`/${STYLES_FILE}`, () => reply(styles, 'text/css'));
// Mounted under the main app, whose not-found answer is BBB XML.
dashboard.all('*', () => reply('Not found', 'text/plain', 404));
