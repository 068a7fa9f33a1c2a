import { ADMIN_API_PATH } from './paths.js';

/**
 * The dashboard's browser script, served as its own file (the CSP allows no inline script).
 * Plain modern JavaScript, no build step. Values from the API are untrusted (server URLs, errors,
 * callback URLs): they only ever reach the page as text nodes, never through innerHTML.
 */
export const script = String.raw`'use strict';
(() => {
  const API = ${JSON.stringify(ADMIN_API_PATH)};
  const TOKEN_KEY = 'scaleflare.adminToken';
  const REFRESH_MS = 30000;
  const $ = (id) => document.getElementById(id);
  let loading = false;
  let timer = 0;

  class ApiFailure extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    } catch {
      throw new ApiFailure(0, 'network', 'The load balancer could not be reached');
    }
    const data = await res.json().catch(() => null);
    if (res.ok && data) return data;
    const error = (data && data.error) || {};
    throw new ApiFailure(res.status, error.code || 'http_' + res.status, error.message || 'HTTP ' + res.status);
  }

  // Builds an element; strings become text nodes, so no value is ever parsed as HTML.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else if (key === 'data') Object.assign(node.dataset, value);
      else if (key === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children) if (child !== undefined && child !== null) node.append(child);
    return node;
  }

  const td = (value, cls) =>
    value === undefined || value === null || value === '' ? el('td', { class: cls === 'num' ? 'num muted' : 'muted' }, '—') : el('td', { class: cls }, String(value));
  const num = (value) => td(value, 'num');

  // A time as its distance from now (past or future), the exact time on hover.
  function when(iso) {
    if (!iso) return td('never');
    const ms = Date.now() - Date.parse(iso);
    const s = Math.round(Math.abs(ms) / 1000);
    const span = s < 60 ? s + ' s' : s < 3600 ? Math.round(s / 60) + ' min' : s < 86400 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' d';
    return el('td', {}, el('time', { datetime: iso, title: iso }, ms >= 0 ? span + ' ago' : 'in ' + span));
  }

  const count = (n, noun) => n + ' ' + noun + (n === 1 ? '' : 's');

  function fill(tableId, rows, empty) {
    const table = $(tableId);
    const columns = table.tHead.rows[0].cells.length;
    table.tBodies[0].replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: columns, class: 'muted' }, empty))]));
  }

  function usage(used, limit) {
    const text = (used === undefined ? '?' : used) + ' / ' + (limit === undefined ? '∞' : limit);
    const over = used !== undefined && limit !== undefined && used >= limit;
    return el('td', { class: over ? 'num over' : 'num' }, text, over ? el('span', { class: 'sr-only' }, ' (at the limit)') : null);
  }

  // --- servers ---------------------------------------------------------------------------------

  const NEXT_STATE = { enabled: 'cordoned', cordoned: 'enabled', disabled: 'enabled' };
  const ACTION = { cordoned: 'Cordon', enabled: 'Enable' };
  const CONSEQUENCE = {
    cordoned: 'It will take no new meetings; running meetings stay.',
    enabled: 'It will take new meetings.',
  };

  async function changeState(server, state) {
    if (!window.confirm(ACTION[state] + ' ' + server.url + '?\n' + CONSEQUENCE[state])) return;
    try {
      await api('PATCH', '/servers/' + encodeURIComponent(server.id), { state });
      say(server.url + ' is now ' + state + '.');
    } catch (e) {
      return fail(e);
    }
    await refresh();
  }

  function serverRow(s) {
    const h = s.health;
    const next = NEXT_STATE[s.state];
    return el('tr', { data: { serverId: s.id, state: s.state } },
      el('td', {}, el('span', { class: 'url' }, s.url), s.tag ? el('span', { class: 'tag' }, s.tag) : null),
      el('td', {}, el('span', { class: 'state state-' + s.state }, s.state)),
      el('td', {}, el('span', { class: h.online ? 'online' : 'offline' }, h.online ? 'online' : 'offline')),
      num(h.load === null ? null : h.load.toFixed(1)),
      num(h.meetings),
      num(h.users),
      num(h.videos),
      td(h.version),
      when(h.lastPoll),
      td(h.lastError, 'error-text'),
      el('td', {}, el('button', { type: 'button', class: 'action', 'aria-label': ACTION[next] + ' ' + s.url, onclick: () => changeState(s, next) }, ACTION[next])),
    );
  }

  function summary(servers) {
    const sum = (f) => servers.reduce((n, s) => n + f(s), 0);
    const online = sum((s) => (s.health.online ? 1 : 0));
    const enabled = sum((s) => (s.state === 'enabled' && s.health.online ? 1 : 0));
    return count(servers.length, 'server') + ', ' + online + ' online, ' + enabled + ' taking meetings; ' +
      count(sum((s) => s.health.meetings), 'meeting') + ', ' + count(sum((s) => s.health.users), 'user') + '.';
  }

  // --- tenants, callbacks, errors --------------------------------------------------------------

  // Usage is what getMeetings shows for the tenant (the last poll plus meetings created since).
  async function tenantDetails(t) {
    const q = '?tenant=' + encodeURIComponent(t.id);
    const [meetings, callbacks] = await Promise.all([
      api('GET', '/meetings' + q).catch(unlessUnauthorized),
      api('GET', '/callbacks' + q + '&status=pending&limit=100').catch(unlessUnauthorized),
    ]);
    const list = meetings instanceof ApiFailure ? undefined : meetings.meetings;
    return {
      tenant: t,
      meetings: list && list.length,
      attendees: list && list.reduce((n, m) => n + m.participantCount, 0),
      pending: callbacks instanceof ApiFailure ? [] : callbacks.deliveries,
    };
  }

  function unlessUnauthorized(e) {
    if (e instanceof ApiFailure && e.status === 401) throw e;
    return e;
  }

  function tenantRow(d) {
    const t = d.tenant;
    const limits = t.settings.limits || {};
    return el('tr', { data: { tenantId: t.id } },
      el('th', { scope: 'row' }, t.name),
      td(t.enabled ? 'yes' : 'no'),
      usage(d.meetings, limits.meetings),
      usage(d.attendees, limits.attendees),
      td(t.settings.serverTag),
      // The default tenant signs with LOADBALANCER_SECRET(S), not secrets of its own.
      t.secrets.length ? num(t.secrets.length) : td('global', 'num'),
    );
  }

  const callbackRow = (tenant, c) =>
    el('tr', {},
      td(tenant), td(c.kind), td(c.meetingID), td(c.url, 'url'), num(c.attempts), when(c.nextAttemptAt), when(c.expiresAt));

  function errorRows(servers, pending) {
    const rows = servers
      .filter((s) => s.health.lastError)
      .map((s) => el('tr', {}, td('server'), td(s.url, 'url'), td(s.health.lastError + (s.health.failures > 1 ? ' (' + s.health.failures + ' failed polls in a row)' : ''), 'error-text'), when(s.health.lastPoll)));
    for (const { tenant, delivery: c } of pending) {
      if (!c.lastError && !c.lastStatus) continue;
      rows.push(el('tr', {}, td('callback'), td(tenant + ': ' + c.kind + ' ' + c.meetingID), td(c.lastError || 'HTTP ' + c.lastStatus, 'error-text'), when(c.createdAt)));
    }
    return rows;
  }

  // --- page state ------------------------------------------------------------------------------

  function say(text) {
    $('status').textContent = text;
  }

  function fail(e) {
    if (e instanceof ApiFailure && e.status === 401) return signOut('The token was refused. Enter a valid admin token.');
    const text = e instanceof ApiFailure && e.code === 'admin_api_disabled'
      ? 'The admin API is off: set ADMIN_TOKEN on the Worker.'
      : (e && e.message) || String(e);
    $('alert').textContent = text;
    $('alert').hidden = false;
  }

  async function refresh() {
    if (loading) return;
    loading = true;
    say('Loading…');
    try {
      const [{ servers }, { tenants }] = await Promise.all([api('GET', '/servers'), api('GET', '/tenants')]);
      const details = await Promise.all(tenants.map(tenantDetails));
      const pending = details.flatMap((d) => d.pending.map((delivery) => ({ tenant: d.tenant.name, delivery })));
      $('pool-summary').textContent = summary(servers);
      fill('servers', servers.map(serverRow), 'No servers yet: add one with the admin API or the CLI.');
      fill('tenants', details.map(tenantRow), 'No tenants.');
      fill('errors', errorRows(servers, pending), 'No recent errors.');
      fill('callbacks', pending.map((p) => callbackRow(p.tenant, p.delivery)), 'No pending callbacks.');
      $('alert').hidden = true;
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
      say('');
    } catch (e) {
      say('');
      fail(e);
    } finally {
      loading = false;
    }
  }

  function show(signedIn) {
    $('login').hidden = signedIn;
    $('board').hidden = !signedIn;
    $('toolbar').hidden = !signedIn;
    clearInterval(timer);
    if (!signedIn) return $('token').focus();
    // Refreshes only while someone can see it.
    timer = setInterval(() => document.visibilityState === 'visible' && refresh(), REFRESH_MS);
    refresh();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('alert').textContent = message || '';
    $('alert').hidden = !message;
    say('');
    show(false);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      $('token').value = '';
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $('alert').hidden = true;
      show(true);
    });
    $('refresh').addEventListener('click', () => refresh());
    $('signout').addEventListener('click', () => signOut());
    show(Boolean(sessionStorage.getItem(TOKEN_KEY)));
  });
})();
`;
