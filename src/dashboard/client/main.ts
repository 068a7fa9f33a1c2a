import type { DrainProgress, Overview, Server, ServerHistory, ServerState, Tenant, TenantList } from './answers.js';
import { api, ApiFailure, TOKEN_KEY } from './api.js';
import { chart, poolCharts, series } from './charts.js';
import { banner } from './banner.js';
import { $, clock, count, el, fill, host, num, td, usage, when } from './dom.js';
import { meetingRow, totalsByServer, type Totals } from './meetings.js';

/**
 * The dashboard's browser script (docs/dashboard.md): signs in with the admin token, reads the
 * overview and tenants, and renders the board or one server's page; every number on the page
 * comes from one overview read.
 */

const REFRESH_MS = 30000;
let loading = false;
let timer = 0;
let view: Overview | null = null;

// --- servers -------------------------------------------------------------------------------

type Target = 'enabled' | 'cordoned';
const NEXT_STATE: Record<ServerState, Target> = { enabled: 'cordoned', cordoned: 'enabled', disabled: 'enabled' };
const ACTION: Record<Target, string> = { cordoned: 'Cordon', enabled: 'Enable' };
const CONSEQUENCE: Record<Target, string> = {
  cordoned: 'It will take no new meetings; running meetings stay.',
  enabled: 'It will take new meetings.',
};

async function changeState(server: Server, state: Target): Promise<void> {
  if (!window.confirm(ACTION[state] + ' ' + server.url + '?\n' + CONSEQUENCE[state])) return;
  try {
    await api('PATCH', '/servers/' + encodeURIComponent(server.id), { state });
    say(server.url + ' is now ' + state + '.');
  } catch (e) {
    return fail(e);
  }
  await refresh();
}

function actionButton(s: Server): HTMLButtonElement {
  const next = NEXT_STATE[s.state];
  return el('button', { type: 'button', class: 'action', 'aria-label': ACTION[next] + ' ' + s.url, onclick: () => changeState(s, next) }, ACTION[next]);
}

/** Drains started here, followed until done (POST/GET /servers/{id}/drain): server id → last progress. */
const drains = new Map<string, DrainProgress>();
const DRAIN_FOLLOW_MS = 3000;

const drainText = (p: DrainProgress) =>
  (p.done ? 'drained' : 'draining') + ': ' + count(p.meetings, 'meeting') + ', ' + p.processing + ' processing, ' + p.pendingUpload + ' pending upload';

async function drain(server: Server): Promise<void> {
  if (!window.confirm('Drain ' + server.url + '?\nIt will take no new meetings; it is disabled once its meetings have ended and its recordings are uploaded.')) return;
  const path = '/servers/' + encodeURIComponent(server.id) + '/drain';
  try {
    drains.set(server.id, await api<DrainProgress>('POST', path));
    await refresh();
    // The row's progress is updated in place; the board is read again when the state changes.
    while (!drains.get(server.id)!.done) {
      await new Promise((r) => setTimeout(r, DRAIN_FOLLOW_MS));
      const before = drains.get(server.id)!;
      const p = await api<DrainProgress>('GET', path);
      drains.set(server.id, p);
      const cell = document.querySelector('#servers tr[data-server-id="' + CSS.escape(server.id) + '"] .drain-progress');
      if (p.state !== before.state || !cell) await refresh();
      else cell.textContent = drainText(p);
    }
    say(server.url + ' is drained: disabled, no meeting, nothing processing or pending upload.');
  } catch (e) {
    drains.delete(server.id);
    return fail(e);
  }
}

function drainCell(s: Server): HTMLElement | null {
  const p = drains.get(s.id);
  if (p) return el('span', { class: 'drain-progress muted sub' }, drainText(p));
  if (s.state === 'disabled') return null;
  return el('button', { type: 'button', class: 'action', 'aria-label': 'Drain ' + s.url, onclick: () => drain(s) }, 'Drain');
}

/** A request-path call found the node down: no new meeting goes there until a poll hears it, even while "online". */
function suspectBadge(h: Server['health']): HTMLElement | null {
  if (!h.suspect) return null;
  const title = 'Suspect since ' + new Date(h.suspect.since).toLocaleString() + ': ' + h.suspect.cause + '; takes no new meeting until a poll clears it';
  return el('span', { class: 'badge warn', title }, 'suspect');
}

function onlineCell(s: Server): HTMLTableCellElement {
  const h = s.health;
  if (h.online) return el('td', {}, el('span', { class: 'online' }, 'online'), suspectBadge(h));
  const since = h.offlineSince ? ' since ' + clock(h.offlineSince) : '';
  return el('td', {}, el('span', { class: 'offline' }, 'offline' + since), suspectBadge(h), h.panickedAt ? el('span', { class: 'badge' }, 'auto-panicked') : null);
}

const capacity = (used: number, cap: number | null) =>
  cap === null || cap === undefined ? td('unknown', 'num') : el('td', { class: used > cap ? 'num over' : 'num' }, used + ' / ' + cap);

function serverRow(s: Server, t: Totals): HTMLTableRowElement {
  const h = s.health;
  return el(
    'tr',
    { data: { serverId: s.id, state: s.state } },
    el('td', {}, el('a', { class: 'url', href: '#server/' + encodeURIComponent(s.id) }, s.url), s.tag ? el('span', { class: 'tag' }, s.tag) : null),
    el('td', {}, el('span', { class: 'state state-' + s.state }, s.state)),
    onlineCell(s),
    num(h.load === null ? null : h.load.toFixed(1)),
    num(t.meetings),
    num(t.users),
    num(t.videos),
    capacity(t.users, s.capacityUsers),
    when(h.lastPoll),
    td(h.lastError, 'error-text'),
    el('td', {}, actionButton(s), drainCell(s)),
  );
}

function summary(o: Overview): string {
  const servers = o.servers;
  const online = servers.filter((s) => s.health.online).length;
  const taking = servers.filter((s) => s.state === 'enabled' && s.health.online).length;
  const users = o.meetings.reduce((n, m) => n + m.participants, 0);
  const room = (n: number | null, what: string) => (n === null ? what + ' unknown (a server in service has no capacity set)' : n + ' ' + what);
  return (
    count(servers.length, 'server') + ', ' + online + ' online, ' + taking + ' taking meetings; ' +
    count(o.meetings.length, 'meeting') + ', ' + count(users, 'user') + '. Headroom if the largest server is lost: ' +
    room(o.headroom.users, 'users') + ', ' + room(o.headroom.meetings, 'meetings') + '.'
  );
}

// --- meetings ------------------------------------------------------------------------------

function renderMeetings(): void {
  if (!view) return;
  const q = $<HTMLInputElement>('meeting-search').value.trim().toLowerCase();
  const urls = new Map(view.servers.map((s) => [s.id, s.url]));
  const shown = view.meetings.filter(
    (m) => !q || [m.tenantName, m.tenant, m.meetingID, m.meetingName, urls.get(m.server) || m.server].some((v) => String(v).toLowerCase().includes(q)),
  );
  $('meetings-count').textContent = (q ? shown.length + ' of ' : '') + count(view.meetings.length, 'meeting') + ', as the poll at ' + clock(view.poll.at) + ' saw them.';
  fill('meetings', shown.map((m) => meetingRow(m, urls)), q ? 'No meeting matches.' : 'No meetings running.');
}

// --- tenants, pipeline, errors ---------------------------------------------------------------

function tenantRow(t: Tenant, used: { meetings: number; users: number }): HTMLTableRowElement {
  const limits = t.settings.limits || {};
  return el(
    'tr',
    { data: { tenantId: t.id } },
    el('th', { scope: 'row' }, t.name),
    td(t.enabled ? 'yes' : 'no'),
    usage(used.meetings, limits.meetings),
    usage(used.users, limits.attendees),
    td(t.settings.serverTag),
    // The default tenant signs with LOADBALANCER_SECRET(S), not secrets of its own.
    t.secrets.length ? num(t.secrets.length) : td('global', 'num'),
  );
}

function errorRows(o: Overview): HTMLTableRowElement[] {
  const rows = o.servers
    .filter((s) => s.health.lastError)
    .map((s) =>
      el(
        'tr',
        {},
        td('server'),
        td(s.url, 'url'),
        td(s.health.lastError + (s.health.failures > 1 ? ' (' + s.health.failures + ' failed polls in a row)' : ''), 'error-text'),
        when(s.health.lastPoll),
      ),
    );
  for (const c of o.pipeline.callbacks) {
    if (c.failing) rows.push(el('tr', {}, td('callback'), td(c.kind), td(count(c.failing, 'pending delivery') + ' failed their last attempt', 'error-text'), when(c.oldest)));
  }
  return rows;
}

function renderBoard(o: Overview, tenants: Tenant[] | null): void {
  const byServer = totalsByServer(o.meetings);
  const none = { meetings: 0, users: 0, videos: 0 };
  const urls = new Map(o.servers.map((s) => [s.id, s.url]));
  const hostOf = (id: string) => host(urls.get(id) || id);
  $('pool-summary').textContent = summary(o);
  fill('servers', o.servers.map((s) => serverRow(s, byServer.get(s.id) || none)), 'No servers yet: add one with the admin API or the CLI.');
  renderMeetings();
  $('charts').replaceChildren(...poolCharts(o));
  fill('uploads', o.pipeline.pendingUploads.map((u) => el('tr', {}, td(hostOf(u.server), 'url'), num(u.count), when(u.oldest))), 'No uploads pending.');
  fill(
    'recent',
    o.pipeline.recent.map((r) => el('tr', {}, td(r.tenant), td(r.recordID, 'id'), td(r.meetingID, 'id'), td(r.server ? hostOf(r.server) : null), td(r.state), when(r.indexedAt))),
    'No recordings indexed yet.',
  );
  fill('backlog', o.pipeline.callbacks.map((c) => el('tr', {}, td(c.kind), num(c.pending), num(c.failing), when(c.oldest))), 'No callbacks pending.');
  const byTenant = new Map<string, { meetings: number; users: number }>();
  for (const m of o.meetings) {
    const t = byTenant.get(m.tenant) || { meetings: 0, users: 0 };
    t.meetings += 1;
    t.users += m.participants;
    byTenant.set(m.tenant, t);
  }
  fill('tenants', (tenants || []).map((t) => tenantRow(t, byTenant.get(t.id) || { meetings: 0, users: 0 })), tenants ? 'No tenants.' : 'The tenants could not be read.');
  fill('errors', errorRows(o), 'No recent errors.');
}

// --- one server's page ---------------------------------------------------------------------

function fact(term: string, ...value: (Node | string | null)[]): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

async function renderServer(o: Overview, id: string): Promise<void> {
  const s = o.servers.find((x) => x.id === id);
  if (!s) {
    $('server-title').textContent = 'No server ' + id;
    $('server-facts').replaceChildren();
    $('server-action').hidden = true;
    return;
  }
  const h = s.health;
  const mine = o.meetings.filter((m) => m.server === id);
  const t = totalsByServer(mine).get(id) || { meetings: 0, users: 0, videos: 0 };
  const cap = (used: number, c: number | null) => (c === null || c === undefined ? used + ' (capacity unknown)' : used + ' of ' + c + ', room for ' + (c - used));
  $('server-title').textContent = s.url;
  $('server-facts').replaceChildren(
    ...fact('State', el('span', { class: 'state state-' + s.state }, s.state), s.tag ? el('span', { class: 'tag' }, s.tag) : null),
    ...fact(
      'Online',
      h.online
        ? el('span', { class: 'online' }, 'online')
        : el(
            'span',
            { class: 'offline' },
            'offline' + (h.offlineSince ? ' since ' + new Date(h.offlineSince).toLocaleString() : '') + (h.failures ? ' (' + count(h.failures, 'failed poll') + ' in a row)' : ''),
          ),
    ),
    ...fact('Auto-panicked', h.panickedAt ? el('span', { class: 'offline' }, 'at ' + new Date(h.panickedAt).toLocaleString()) : 'no'),
    ...fact('Last poll', h.lastPoll ? new Date(h.lastPoll).toLocaleString() : 'never'),
    ...fact('Last error', h.lastError ? el('span', { class: 'error-text' }, h.lastError) : 'none'),
    ...fact('Load', h.load === null ? '—' : h.load.toFixed(1)),
    ...fact('Users', cap(t.users, s.capacityUsers)),
    ...fact('Meetings', cap(t.meetings, s.capacityMeetings)),
    ...fact('Video streams', cap(t.videos, s.capacityVideoStreams)),
    ...fact('BBB version', h.version || '—'),
  );
  const button = actionButton(s);
  $('server-action').replaceWith(Object.assign(button, { id: 'server-action' }));
  fill('server-meetings', mine.map((m) => meetingRow(m, null)), 'No meetings on this server.');
  const { samples } = await api<ServerHistory>('GET', '/servers/' + encodeURIComponent(id) + '/history');
  const failed = samples.filter((p) => !p.answered).reverse();
  const errors = failed.map((p) => el('tr', {}, when(p.at), td('poll failed (' + count(p.pollFailures, 'failure') + ' in a row)', 'error-text')));
  if (h.lastError) errors.unshift(el('tr', {}, when(h.lastPoll), td(h.lastError, 'error-text')));
  fill('server-errors', errors, 'No failed polls in the last 24 hours.');
  const now = Date.parse(o.readAt);
  $('server-charts').replaceChildren(
    chart(now, 'Meetings', series(samples, (p) => p.meetings)),
    chart(now, 'Participants', series(samples, (p) => p.participants)),
    chart(now, 'Load', series(samples, (p) => p.load)),
    chart(now, 'Video streams', series(samples, (p) => p.videoStreams)),
    chart(now, 'Failed polls in a row', series(samples, (p) => p.pollFailures)),
  );
}

// --- page state ------------------------------------------------------------------------------

function say(text: string): void {
  $('status').textContent = text;
}

function fail(e: unknown): void {
  if (e instanceof ApiFailure && e.status === 401) return signOut('The token was refused. Enter a valid admin token.');
  const text =
    e instanceof ApiFailure && e.code === 'admin_api_disabled'
      ? 'The admin API is off: set ADMIN_TOKEN on the Worker.'
      : e instanceof ApiFailure && e.code === 'invalid_configuration'
        ? 'The configuration is invalid: the balancer cannot serve until its settings are fixed (see its logs).'
        : (e instanceof Error && e.message) || String(e);
  $('alert').textContent = text;
  $('alert').hidden = false;
}

/** Any failure but a refused token, which signs out instead. */
function unlessUnauthorized(e: unknown): unknown {
  if (e instanceof ApiFailure && e.status === 401) throw e;
  return e;
}

const serverInHash = () => (location.hash.startsWith('#server/') ? decodeURIComponent(location.hash.slice(8)) : null);

/** A refresh asked for while one runs (an action's, a link's) runs after it, so what it shows is never older than the ask. */
let again = false;

async function refresh(): Promise<void> {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  say('Loading…');
  try {
    // The tenants live in Postgres only: without them the rest of the board still shows.
    const [o, listed] = await Promise.all([api<Overview>('GET', '/overview'), api<TenantList>('GET', '/tenants').catch(unlessUnauthorized)]);
    const tenants = listed instanceof ApiFailure ? null : (listed as TenantList).tenants;
    view = o;
    banner(o);
    const server = serverInHash();
    $('board').hidden = server !== null;
    $('server-page').hidden = server === null;
    if (server === null) renderBoard(o, tenants);
    else await renderServer(o, server);
    $('alert').hidden = true;
    const pollAge = o.poll.at ? Math.round((Date.parse(o.readAt) - Date.parse(o.poll.at)) / 1000) + ' s before' : 'no poll yet';
    $('updated').textContent = 'Read ' + clock(o.readAt) + ' · last poll ' + (o.poll.at ? clock(o.poll.at) + ' (' + pollAge + ')' : pollAge);
    say('');
  } catch (e) {
    say('');
    // What the page showed is no longer known to be true: only the alert stays.
    $('banner').hidden = true;
    fail(e);
  } finally {
    loading = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function show(signedIn: boolean): void {
  $('login').hidden = signedIn;
  $('board').hidden = !signedIn;
  $('server-page').hidden = true;
  $('banner').hidden = true;
  $('toolbar').hidden = !signedIn;
  window.clearInterval(timer);
  if (!signedIn) return $('token').focus();
  // Refreshes only while someone can see it.
  timer = window.setInterval(() => document.visibilityState === 'visible' && refresh(), REFRESH_MS);
  void refresh();
}

function signOut(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  $('alert').textContent = message || '';
  $('alert').hidden = !message;
  say('');
  show(false);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('token');
    const token = input.value.trim();
    input.value = '';
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('alert').hidden = true;
    show(true);
  });
  $('refresh').addEventListener('click', () => refresh());
  $('meeting-search').addEventListener('input', renderMeetings);
  window.addEventListener('hashchange', () => sessionStorage.getItem(TOKEN_KEY) && refresh());
  $('signout').addEventListener('click', () => signOut());
  show(Boolean(sessionStorage.getItem(TOKEN_KEY)));
});
