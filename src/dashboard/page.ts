import { DASHBOARD_PATH, SCRIPT_FILE, STYLES_FILE } from './paths.js';

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
  <section aria-labelledby="servers-title">
    <h2 id="servers-title">Servers</h2>
    <p id="pool-summary"></p>
    <div class="scroll"><table id="servers">
      <caption class="sr-only">BBB servers with their state and last poll</caption>
      <thead><tr>
        <th scope="col">Server</th><th scope="col">State</th><th scope="col">Online</th>
        <th scope="col" class="num">Load</th><th scope="col" class="num">Meetings</th>
        <th scope="col" class="num">Users</th><th scope="col" class="num">Video</th>
        <th scope="col">Version</th><th scope="col">Last poll</th><th scope="col">Last error</th>
        <th scope="col">Action</th>
      </tr></thead>
      <tbody></tbody>
    </table></div>
  </section>

  <section aria-labelledby="tenants-title">
    <h2 id="tenants-title">Tenants</h2>
    <div class="scroll"><table id="tenants">
      <caption class="sr-only">Tenants with their usage against their limits</caption>
      <thead><tr>
        <th scope="col">Tenant</th><th scope="col">Enabled</th><th scope="col" class="num">Meetings / limit</th>
        <th scope="col" class="num">Attendees / limit</th><th scope="col">Server tag</th><th scope="col" class="num">Secrets</th>
      </tr></thead>
      <tbody></tbody>
    </table></div>
  </section>

  <section aria-labelledby="errors-title">
    <h2 id="errors-title">Recent errors</h2>
    <div class="scroll"><table id="errors">
      <caption class="sr-only">Servers whose last poll failed, and callbacks whose last attempt failed</caption>
      <thead><tr><th scope="col">Source</th><th scope="col">What</th><th scope="col">Error</th><th scope="col">When</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </section>

  <section aria-labelledby="callbacks-title">
    <h2 id="callbacks-title">Pending callbacks</h2>
    <div class="scroll"><table id="callbacks">
      <caption class="sr-only">Callback deliveries still being retried</caption>
      <thead><tr>
        <th scope="col">Tenant</th><th scope="col">Kind</th><th scope="col">Meeting</th><th scope="col">URL</th>
        <th scope="col" class="num">Attempts</th><th scope="col">Next attempt</th><th scope="col">Expires</th>
      </tr></thead>
      <tbody></tbody>
    </table></div>
  </section>
</main>
</body>
</html>
`;
