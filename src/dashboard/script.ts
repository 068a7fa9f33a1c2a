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

  // Each cell carries its column's heading, shown beside it when a narrow screen stacks the rows.
  function fill(tableId, rows, empty) {
    const table = $(tableId);
    const heads = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    for (const row of rows) [...row.cells].forEach((cell, i) => cell.dataset.label = heads[i] || '');
    table.tBodies[0].replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: heads.length, class: 'muted' }, empty))]));
  }

  function usage(used, limit) {
    const text = (used === undefined ? '?' : used) + ' / ' + (limit === undefined ? '∞' : limit);
    const over = used !== undefined && limit !== undefined && used >= limit;
    return el('td', { class: over ? 'num over' : 'num' }, text, over ? el('span', { class: 'sr-only' }, ' (at the limit)') : null);
  }

  const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString() : 'never');
  const host = (url) => { try { return new URL(url).host; } catch { return url; } };

  // --- one read: every number on the page comes from this overview ----------------------------

  let view = null;

  // Per server, what the last poll's meetings add up to (the same list the meetings table shows).
  function totalsByServer(meetings) {
    const by = new Map();
    for (const m of meetings) {
      const t = by.get(m.server) || { meetings: 0, users: 0, videos: 0 };
      t.meetings += 1; t.users += m.participants; t.videos += m.videoStreams;
      by.set(m.server, t);
    }
    return by;
  }

  // --- readiness banner --------------------------------------------------------------------------

  function problems(o) {
    const out = [];
    for (const [name, c] of Object.entries(o.readiness.checks)) {
      if (c.ok) continue;
      out.push(name === 'poll' ? 'Polling: ' + c.error + (c.ageSeconds !== null && c.ageSeconds !== undefined ? ' (last poll ' + c.ageSeconds + ' s ago)' : '') : name + ': ' + (c.error || 'down'));
    }
    if (o.unavailable.length) out.push('Not read (storage out of reach), shown empty: ' + o.unavailable.join(', '));
    const offline = o.servers.filter((s) => s.state !== 'disabled' && !s.health.online);
    if (offline.length) out.push(count(offline.length, 'server') + ' offline: ' + offline.map((s) => host(s.url)).join(', '));
    const panicked = o.servers.filter((s) => s.health.panickedAt);
    if (panicked.length) out.push('Auto-panicked: ' + panicked.map((s) => host(s.url)).join(', '));
    const suspect = o.servers.filter((s) => s.health.suspect);
    if (suspect.length) out.push('Suspect: ' + suspect.map((s) => host(s.url)).join(', '));
    for (const [what, n] of Object.entries(o.headroom)) {
      if (n !== null && n < 0) out.push('No headroom: losing the largest server would leave ' + -n + ' ' + what + ' without room');
    }
    return out;
  }

  function banner(o) {
    const list = problems(o);
    const b = $('banner');
    b.className = 'banner ' + (list.length ? 'bad' : 'ok');
    b.replaceChildren(...(list.length ? [el('strong', {}, 'Needs attention'), el('ul', {}, ...list.map((p) => el('li', {}, p)))] : [el('strong', {}, 'Ready'), ' Postgres, Redis and polling are fine; every server in service is online.']));
    b.hidden = false;
  }

  // --- servers -------------------------------------------------------------------------------

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

  function actionButton(s) {
    const next = NEXT_STATE[s.state];
    return el('button', { type: 'button', class: 'action', 'aria-label': ACTION[next] + ' ' + s.url, onclick: () => changeState(s, next) }, ACTION[next]);
  }

  // Drains started here, followed until done (POST/GET /servers/{id}/drain): server id → last progress.
  const drains = new Map();
  const DRAIN_FOLLOW_MS = 3000;

  const drainText = (p) =>
    (p.done ? 'drained' : 'draining') + ': ' + count(p.meetings, 'meeting') + ', ' + p.processing + ' processing, ' + p.pendingUpload + ' pending upload';

  async function drain(server) {
    if (!window.confirm('Drain ' + server.url + '?\nIt will take no new meetings; it is disabled once its meetings have ended and its recordings are uploaded.')) return;
    const path = '/servers/' + encodeURIComponent(server.id) + '/drain';
    try {
      drains.set(server.id, await api('POST', path));
      await refresh();
      // The row's progress is updated in place; the board is read again when the state changes.
      while (!drains.get(server.id).done) {
        await new Promise((r) => setTimeout(r, DRAIN_FOLLOW_MS));
        const before = drains.get(server.id);
        const p = await api('GET', path);
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

  function drainCell(s) {
    const p = drains.get(s.id);
    if (p) return el('span', { class: 'drain-progress muted sub' }, drainText(p));
    if (s.state === 'disabled') return null;
    return el('button', { type: 'button', class: 'action', 'aria-label': 'Drain ' + s.url, onclick: () => drain(s) }, 'Drain');
  }

  // A request-path call found the node down: no new meeting goes there until a poll hears it, even while "online".
  function suspectBadge(h) {
    if (!h.suspect) return null;
    const title = 'Suspect since ' + new Date(h.suspect.since).toLocaleString() + ': ' + h.suspect.cause + '; takes no new meeting until a poll clears it';
    return el('span', { class: 'badge warn', title }, 'suspect');
  }

  function onlineCell(s) {
    const h = s.health;
    if (h.online) return el('td', {}, el('span', { class: 'online' }, 'online'), suspectBadge(h));
    const since = h.offlineSince ? ' since ' + clock(h.offlineSince) : '';
    return el('td', {}, el('span', { class: 'offline' }, 'offline' + since), suspectBadge(h), h.panickedAt ? el('span', { class: 'badge' }, 'auto-panicked') : null);
  }

  const capacity = (used, cap) => (cap === null || cap === undefined ? td('unknown', 'num') : el('td', { class: used > cap ? 'num over' : 'num' }, used + ' / ' + cap));

  function serverRow(s, t) {
    const h = s.health;
    return el('tr', { data: { serverId: s.id, state: s.state } },
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

  function summary(o) {
    const servers = o.servers;
    const online = servers.filter((s) => s.health.online).length;
    const taking = servers.filter((s) => s.state === 'enabled' && s.health.online).length;
    const users = o.meetings.reduce((n, m) => n + m.participants, 0);
    const room = (n, what) => (n === null ? what + ' unknown (a server in service has no capacity set)' : n + ' ' + what);
    return count(servers.length, 'server') + ', ' + online + ' online, ' + taking + ' taking meetings; ' +
      count(o.meetings.length, 'meeting') + ', ' + count(users, 'user') + '. Headroom if the largest server is lost: ' +
      room(o.headroom.users, 'users') + ', ' + room(o.headroom.meetings, 'meetings') + '.';
  }

  // --- meetings ------------------------------------------------------------------------------

  function age(ms) {
    if (!ms) return td(null);
    const min = Math.max(0, Math.round((Date.now() - ms) / 60000));
    return el('td', {}, el('time', { datetime: new Date(ms).toISOString(), title: new Date(ms).toISOString() }, min < 60 ? min + ' min' : Math.floor(min / 60) + ' h ' + (min % 60) + ' min'));
  }

  function meetingRow(m, urls, withServer) {
    return el('tr', {},
      td(m.tenantName),
      el('td', {}, el('span', { class: 'id' }, m.meetingID), m.meetingName && m.meetingName !== m.meetingID ? el('span', { class: 'muted sub' }, m.meetingName) : null),
      withServer ? el('td', {}, el('a', { href: '#server/' + encodeURIComponent(m.server), class: 'url' }, host(urls.get(m.server) || m.server))) : null,
      num(m.participants),
      num(m.videoStreams),
      age(m.createTime),
      td(m.recording ? 'recording' : 'no', m.recording ? 'rec' : ''),
    );
  }

  function renderMeetings() {
    if (!view) return;
    const q = $('meeting-search').value.trim().toLowerCase();
    const urls = new Map(view.servers.map((s) => [s.id, s.url]));
    const shown = view.meetings.filter((m) => !q || [m.tenantName, m.tenant, m.meetingID, m.meetingName, urls.get(m.server) || m.server].some((v) => String(v).toLowerCase().includes(q)));
    $('meetings-count').textContent = (q ? shown.length + ' of ' : '') + count(view.meetings.length, 'meeting') + ', as the poll at ' + clock(view.poll.at) + ' saw them.';
    fill('meetings', shown.map((m) => meetingRow(m, urls, true)), q ? 'No meeting matches.' : 'No meetings running.');
  }

  // --- charts: inline SVG, no library ----------------------------------------------------------

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    node.append(...children);
    return node;
  }

  // Counters are running totals: each point is the difference from the sample before (none after a reset or a gap in data).
  function deltas(points, f) {
    return points.map((p, i) => {
      const a = i > 0 ? f(points[i - 1]) : null;
      const b = f(p);
      return { at: p.at, v: a === null || b === null || b < a ? null : b - a };
    });
  }

  const W = 300, H = 90, DAY = 86400000, GAP = 11 * 60000;
  function chart(title, points, unit) {
    const now = Date.parse(view.readAt);
    const values = points.filter((p) => p.v !== null && p.v !== undefined);
    const max = Math.max(1, ...values.map((p) => p.v));
    const x = (at) => ((Date.parse(at) - (now - DAY)) / DAY) * W;
    const y = (v) => H - (v / max) * (H - 4);
    // A line per run of samples; a missing sample breaks it.
    const runs = [];
    let run = [];
    let prev = 0;
    for (const p of points) {
      const t = Date.parse(p.at);
      if (p.v === null || p.v === undefined || (run.length && t - prev > GAP)) { if (run.length) runs.push(run); run = []; }
      if (p.v !== null && p.v !== undefined) run.push(x(p.at).toFixed(1) + ',' + y(p.v).toFixed(1));
      prev = t;
    }
    if (run.length) runs.push(run);
    const latest = values.length ? values[values.length - 1] : null;
    const last = latest ? latest.v : null;
    const fmt = (v) => (v === null ? '—' : (Math.round(v * 10) / 10) + (unit ? ' ' + unit : ''));
    const label = title + ': latest ' + fmt(last) + ', highest ' + (values.length ? fmt(max) : '—') + ' in the last 24 h';
    return el('figure', { class: 'chart' },
      // The latest sample says when it was taken: it may be older than the tables above, read just now.
      el('figcaption', {}, el('span', {}, title), el('span', { class: 'latest' }, fmt(last), latest ? el('small', { class: 'muted' }, ' at ' + new Date(latest.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })) : null)),
      svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
        svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }),
        ...runs.map((r) => (r.length === 1 ? svg('circle', { cx: r[0].split(',')[0], cy: r[0].split(',')[1], r: 1.5, class: 'dot' }) : svg('polyline', { points: r.join(' '), class: 'line' })))),
      el('div', { class: 'scale muted' }, el('span', {}, '24 h ago'), el('span', {}, 'max ' + (values.length ? fmt(max) : '—')), el('span', {}, 'now')),
    );
  }

  const series = (points, f) => points.map((p) => ({ at: p.at, v: f(p) }));

  function poolCharts(h) {
    const imports = deltas(h, (p) => p.importsTotal);
    const delay = deltas(h, (p) => p.importDelaySecondsTotal).map((d, i) => ({ at: d.at, v: d.v === null || !imports[i].v ? null : d.v / imports[i].v }));
    return [
      chart('Meetings', series(h, (p) => p.meetings)),
      chart('Participants', series(h, (p) => p.participants)),
      chart('Highest server load', series(h, (p) => p.maxLoad)),
      chart('Poll duration', series(h, (p) => p.pollMs), 'ms'),
      chart('Failed server polls', deltas(h, (p) => p.pollFailuresTotal)),
      chart('API errors', deltas(h, (p) => p.apiErrorsTotal)),
      chart('Join failures', deltas(h, (p) => p.joinFailuresTotal)),
      chart('Import delay', delay, 's'),
    ];
  }

  // --- tenants, pipeline, errors ---------------------------------------------------------------

  function tenantRow(t, used) {
    const limits = t.settings.limits || {};
    return el('tr', { data: { tenantId: t.id } },
      el('th', { scope: 'row' }, t.name),
      td(t.enabled ? 'yes' : 'no'),
      usage(used.meetings, limits.meetings),
      usage(used.users, limits.attendees),
      td(t.settings.serverTag),
      // The default tenant signs with LOADBALANCER_SECRET(S), not secrets of its own.
      t.secrets.length ? num(t.secrets.length) : td('global', 'num'),
    );
  }

  function errorRows(o) {
    const rows = o.servers
      .filter((s) => s.health.lastError)
      .map((s) => el('tr', {}, td('server'), td(s.url, 'url'), td(s.health.lastError + (s.health.failures > 1 ? ' (' + s.health.failures + ' failed polls in a row)' : ''), 'error-text'), when(s.health.lastPoll)));
    for (const c of o.pipeline.callbacks) {
      if (c.failing) rows.push(el('tr', {}, td('callback'), td(c.kind), td(count(c.failing, 'pending delivery') + ' failed their last attempt', 'error-text'), when(c.oldest)));
    }
    return rows;
  }

  function renderBoard(o, tenants) {
    const byServer = totalsByServer(o.meetings);
    const none = { meetings: 0, users: 0, videos: 0 };
    const urls = new Map(o.servers.map((s) => [s.id, s.url]));
    $('pool-summary').textContent = summary(o);
    fill('servers', o.servers.map((s) => serverRow(s, byServer.get(s.id) || none)), 'No servers yet: add one with the admin API or the CLI.');
    renderMeetings();
    $('charts').replaceChildren(...poolCharts(o.history));
    fill('uploads', o.pipeline.pendingUploads.map((u) => el('tr', {}, td(host(urls.get(u.server) || u.server), 'url'), num(u.count), when(u.oldest))), 'No uploads pending.');
    fill('recent', o.pipeline.recent.map((r) => el('tr', {}, td(r.tenant), td(r.recordID, 'id'), td(r.meetingID, 'id'), td(r.server ? host(urls.get(r.server) || r.server) : null), td(r.state), when(r.indexedAt))), 'No recordings indexed yet.');
    fill('backlog', o.pipeline.callbacks.map((c) => el('tr', {}, td(c.kind), num(c.pending), num(c.failing), when(c.oldest))), 'No callbacks pending.');
    const byTenant = new Map();
    for (const m of o.meetings) {
      const t = byTenant.get(m.tenant) || { meetings: 0, users: 0 };
      t.meetings += 1; t.users += m.participants;
      byTenant.set(m.tenant, t);
    }
    fill('tenants', (tenants || []).map((t) => tenantRow(t, byTenant.get(t.id) || { meetings: 0, users: 0 })), tenants ? 'No tenants.' : 'The tenants could not be read.');
    fill('errors', errorRows(o), 'No recent errors.');
  }

  function unlessUnauthorized(e) {
    if (e instanceof ApiFailure && e.status === 401) throw e;
    return e;
  }

  // --- one server's page ---------------------------------------------------------------------

  function fact(term, ...value) {
    return [el('dt', {}, term), el('dd', {}, ...value)];
  }

  async function renderServer(o, id) {
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
    const cap = (used, c) => (c === null || c === undefined ? used + ' (capacity unknown)' : used + ' of ' + c + ', room for ' + (c - used));
    $('server-title').textContent = s.url;
    $('server-facts').replaceChildren(
      ...fact('State', el('span', { class: 'state state-' + s.state }, s.state), s.tag ? el('span', { class: 'tag' }, s.tag) : null),
      ...fact('Online', h.online ? el('span', { class: 'online' }, 'online') : el('span', { class: 'offline' }, 'offline' + (h.offlineSince ? ' since ' + new Date(h.offlineSince).toLocaleString() : '') + (h.failures ? ' (' + count(h.failures, 'failed poll') + ' in a row)' : ''))),
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
    fill('server-meetings', mine.map((m) => meetingRow(m, null, false)), 'No meetings on this server.');
    const { samples } = await api('GET', '/servers/' + encodeURIComponent(id) + '/history');
    const failed = samples.filter((p) => !p.answered).reverse();
    const errors = failed.map((p) => el('tr', {}, when(p.at), td('poll failed (' + count(p.pollFailures, 'failure') + ' in a row)', 'error-text')));
    if (h.lastError) errors.unshift(el('tr', {}, when(h.lastPoll), td(h.lastError, 'error-text')));
    fill('server-errors', errors, 'No failed polls in the last 24 hours.');
    $('server-charts').replaceChildren(
      chart('Meetings', series(samples, (p) => p.meetings)),
      chart('Participants', series(samples, (p) => p.participants)),
      chart('Load', series(samples, (p) => p.load)),
      chart('Video streams', series(samples, (p) => p.videoStreams)),
      chart('Failed polls in a row', series(samples, (p) => p.pollFailures)),
    );
  }

  // --- page state ------------------------------------------------------------------------------

  function say(text) {
    $('status').textContent = text;
  }

  function fail(e) {
    if (e instanceof ApiFailure && e.status === 401) return signOut('The token was refused. Enter a valid admin token.');
    const text = e instanceof ApiFailure && e.code === 'admin_api_disabled'
      ? 'The admin API is off: set ADMIN_TOKEN on the Worker.'
      : e instanceof ApiFailure && e.code === 'invalid_configuration'
        ? 'The configuration is invalid: the balancer cannot serve until its settings are fixed (see its logs).'
        : (e && e.message) || String(e);
    $('alert').textContent = text;
    $('alert').hidden = false;
  }

  const serverInHash = () => (location.hash.startsWith('#server/') ? decodeURIComponent(location.hash.slice(8)) : null);

  // A refresh asked for while one runs (an action's, a link's) runs after it, so what it shows is never older than the ask.
  let again = false;

  async function refresh() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    say('Loading…');
    try {
      // The tenants live in Postgres only: without them the rest of the board still shows.
      const [o, listed] = await Promise.all([api('GET', '/overview'), api('GET', '/tenants').catch(unlessUnauthorized)]);
      const tenants = listed instanceof ApiFailure ? null : listed.tenants;
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
        refresh();
      }
    }
  }

  function show(signedIn) {
    $('login').hidden = signedIn;
    $('board').hidden = !signedIn;
    $('server-page').hidden = true;
    $('banner').hidden = true;
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
    $('meeting-search').addEventListener('input', renderMeetings);
    window.addEventListener('hashchange', () => sessionStorage.getItem(TOKEN_KEY) && refresh());
    $('signout').addEventListener('click', () => signOut());
    show(Boolean(sessionStorage.getItem(TOKEN_KEY)));
  });
})();
`;
