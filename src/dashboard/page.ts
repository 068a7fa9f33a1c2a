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

<p id="banner" class="banner" hidden></p>

<main id="board" hidden>
${table('servers', 'Servers', 'BBB servers with their state, health and capacity', [
  'Server', 'State', 'Online', num('Load'), num('Meetings'), num('Users'), num('Video'), num('Capacity (users)'), 'Last poll', 'Last error', 'Action',
], '<p id="pool-summary"></p>')}
<section aria-labelledby="meetings-title">
  <h2 id="meetings-title">Meetings</h2>
  <label for="meeting-search" class="search">Search <input id="meeting-search" type="search" autocomplete="off" spellcheck="false" placeholder="tenant, meetingID, name or server"></label>
  <p id="meetings-count" class="muted"></p>
  <div class="scroll"><table id="meetings">
    <caption class="sr-only">Running meetings of every tenant, as the last poll saw them</caption>
    <thead><tr><th scope="col">Tenant</th><th scope="col">Meeting</th><th scope="col">Server</th><th scope="col" class="num">Participants</th><th scope="col" class="num">Video</th><th scope="col">Age</th><th scope="col">Recording</th></tr></thead>
    <tbody></tbody>
  </table></div>
</section>
<section aria-labelledby="history-title">
  <h2 id="history-title">Last 24 hours</h2>
  <p class="muted">One sample every 5 minutes, kept by the poll; gaps are samples not taken.</p>
  <div id="charts" class="charts"></div>
</section>
${table('uploads', 'Recording pipeline: pending uploads', 'Recordings a node has started to upload and that are not indexed yet, per node', ['Server', num('Pending'), 'Oldest started'])}
${table('recent', 'Recently indexed recordings', 'The last recordings indexed, newest first', ['Tenant', 'Record', 'Meeting', 'Server', 'State', 'Indexed'],
  '<p class="muted">Refused uploads are not stored: they are logged (<code>recording refused</code>) with their reason.</p>')}
${table('backlog', 'Callback backlog', 'Pending callbacks by kind', ['Kind', num('Pending'), num('Failing'), 'Oldest'])}
${table('tenants', 'Tenants', 'Tenants with their usage against their limits', [
  'Tenant', 'Enabled', num('Meetings / limit'), num('Attendees / limit'), 'Server tag', num('Secrets'),
])}
${table('errors', 'Recent errors', 'Servers whose last poll failed, and callbacks whose last attempt failed', ['Source', 'What', 'Error', 'When'])}
</main>

<main id="server-page" hidden>
  <p><a href="#" id="back">← All servers</a></p>
  <h2 id="server-title"></h2>
  <dl id="server-facts" class="facts"></dl>
  <p><button type="button" id="server-action" class="action"></button></p>
  ${table('server-meetings', 'Its meetings', 'Meetings on this server at the last poll', ['Tenant', 'Meeting', num('Participants'), num('Video'), 'Age', 'Recording'])}
  ${table('server-errors', 'Recent errors', 'Failed polls of this server in the last 24 hours', ['When', 'Error'])}
  <section aria-labelledby="server-history-title">
    <h2 id="server-history-title">Last 24 hours</h2>
    <div id="server-charts" class="charts"></div>
  </section>
</main>
</body>
</html>
`;
