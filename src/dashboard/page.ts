import { DASHBOARD_PATH, SCRIPT_FILE, STYLES_FILE } from './paths.js';

/** A column heading; numbers are right-aligned. */
type Column = string | { label: string; num: true };
const num = (label: string): Column => ({ label, num: true });

/** One section of the board: a heading and an empty table the script fills. */
function table(id: string, title: string, caption: string, columns: Column[], intro = ''): string {
  const heads = columns.map((c) => (typeof c === 'string' ? `<th scope="col">${c}</th>` : `<th scope="col" class="num">${c.label}</th>`));
  return `<section aria-labelledby="${id}-title">
  <h2 id="${id}-title">${title}</h2>${intro}
  <div class="scroll"><table id="${id}">
    <caption class="sr-only">${caption}</caption>
    <thead><tr>${heads.join('')}</tr></thead>
    <tbody></tbody>
  </table></div>
</section>`;
}

/**
 * The dashboard's HTML: structure only. Every value is filled in by the script through
 * `textContent`, so nothing the API returns is ever parsed as HTML.
 */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Scaleflare dashboard</title>
<link rel="stylesheet" href="${DASHBOARD_PATH}/${STYLES_FILE}">
<script src="${DASHBOARD_PATH}/${SCRIPT_FILE}" defer></script>
</head>
<body>
<header class="top">
  <h1>Scaleflare</h1>
  <div class="toolbar" id="toolbar" hidden>
    <span id="updated" class="muted"></span>
    <button type="button" id="refresh">Refresh</button>
    <button type="button" id="signout">Sign out</button>
  </div>
</header>
<p id="alert" role="alert" class="alert" hidden></p>
<p id="status" role="status" class="muted"></p>

<section id="login" aria-labelledby="login-title" hidden>
  <h2 id="login-title">Sign in</h2>
  <!-- No name on the field and no action: the token can never end up in a URL, even without the script. -->
  <form id="login-form" method="post" autocomplete="off">
    <label for="token">Admin token (<code>ADMIN_TOKEN</code>)</label>
    <input id="token" type="password" required autocomplete="current-password" spellcheck="false">
    <button type="submit">Open dashboard</button>
  </form>
  <p class="muted">The token stays in this tab's session storage and is sent only as an
  <code>Authorization</code> header to the admin API of this load balancer.</p>
</section>

<main id="board" hidden>
${table('servers', 'Servers', 'BBB servers with their state and last poll', [
  'Server', 'State', 'Online', num('Load'), num('Meetings'), num('Users'), num('Video'), 'Version', 'Last poll', 'Last error', 'Action',
], '<p id="pool-summary"></p>')}
${table('tenants', 'Tenants', 'Tenants with their usage against their limits', [
  'Tenant', 'Enabled', num('Meetings / limit'), num('Attendees / limit'), 'Server tag', num('Secrets'),
])}
${table('errors', 'Recent errors', 'Servers whose last poll failed, and callbacks whose last attempt failed', ['Source', 'What', 'Error', 'When'])}
${table('callbacks', 'Pending callbacks', 'Callback deliveries still being retried', [
  'Tenant', 'Kind', 'Meeting', 'URL', num('Attempts'), 'Next attempt', 'Expires',
])}
</main>
</body>
</html>
`;
