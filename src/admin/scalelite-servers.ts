import { poll } from '../../scheduled/poll.js';
import { shardFanOut } from '../../scheduled/poll-shard.js';
import { errors } from '../bbb/errors.js';
import { addServer, changeServer, panicServer, removeServer } from '../cluster/pool.js';
import { freshServerMap } from '../cluster/server-cache.js';
import type { ServerHealth } from '../store/cluster-state.js';
import { getServer, type ServerRow, type ServerState } from '../store/servers.js';
import type { Services } from '../services.js';
import { AdminResponse, type AdminHandler } from './response.js';
import { fingerprint, iso } from './v1/present.js';

/**
 * The server's JSON as Scalelite shapes it, except the secret: it never leaves the balancer
 * (a fingerprint lets an operator check which one is configured). Health fields Scalelite only
 * shows in `rake status` are added, for the operator at 3 a.m.
 */
async function serverJson(s: ServerRow, h: ServerHealth | undefined): Promise<Record<string, unknown>> {
  return {
    id: s.id,
    url: s.url,
    secret: '[redacted]',
    secret_fingerprint: await fingerprint(s.secret),
    tag: s.tag ?? '',
    bbb_version: h?.version ?? '',
    state: s.state,
    load: s.state !== 'disabled' && h?.online && h.load !== null ? h.load : 'unavailable',
    load_multiplier: s.loadMultiplier,
    online: h?.online ? 'online' : 'offline',
    meetings: h?.meetings ?? 0,
    users: h?.users ?? 0,
    largest_meeting: h?.largestMeeting ?? 0,
    videos: h?.videos ?? 0,
    last_poll: iso(h?.polledAt),
    last_error: h?.lastError ?? '',
    consecutive_failures: h?.failures ?? 0,
    panicked_at: iso(h?.panickedAt),
  };
}

async function render(svc: Services, rows: ServerRow[]): Promise<Record<string, unknown>[]> {
  const health = await svc.cluster.health(rows);
  return Promise.all(rows.map((r) => serverJson(r, health.get(r.id))));
}

const notFound = (id: unknown) => new AdminResponse(404, { error: `Couldn't find server with id=${String(id)}` });

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Scalelite: a load multiplier of 0, or one that is not a number, is refused on update. */
function multiplier(v: unknown): number | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

const STATES: Record<string, ServerState> = { enable: 'enabled', cordon: 'cordoned', disable: 'disabled' };

async function byId(svc: Services, id: unknown): Promise<ServerRow | undefined> {
  return typeof id === 'string' ? getServer(svc.sql, id) : undefined;
}

const getServers: AdminHandler = async (svc) => {
  const rows = [...(await freshServerMap(svc.sql)).values()];
  if (rows.length === 0) return new AdminResponse(404, { error: 'No servers are configured' });
  return new AdminResponse(200, await render(svc, rows));
};

const getServerInfo: AdminHandler = async (svc, { query }) => {
  const server = await byId(svc, query.get('id'));
  if (!server) return notFound(query.get('id'));
  return new AdminResponse(200, (await render(svc, [server]))[0]);
};

const addServerHandler: AdminHandler = async (svc, { body }) => {
  const s = body.server as Record<string, unknown> | undefined;
  if (!s || typeof s !== 'object') throw errors.internalError('param is missing or the value is empty: server');
  const url = text(s.url)?.trim();
  const secret = text(s.secret)?.trim();
  if (!url || !secret) return new AdminResponse(400, { error: 'Server needs a URL and a secret' });
  if (!/^https?:\/\/[^/\s]+/i.test(url)) return new AdminResponse(400, { error: 'Server URL must start with http:// or https://' });
  const row = await addServer(svc, {
    url,
    secret,
    tag: text(s.tag)?.trim() || null,
    // Scalelite: a missing or 0 multiplier becomes 1.0.
    loadMultiplier: multiplier(s.load_multiplier) ?? 1,
  });
  if (!row) return new AdminResponse(400, { error: 'A server with this URL or id already exists' });
  return new AdminResponse(201, (await render(svc, [row]))[0]);
};

const updateServer: AdminHandler = async (svc, { body }) => {
  const server = await byId(svc, body.id);
  if (!server) return notFound(body.id);
  const s = (body.server ?? {}) as Record<string, unknown>;
  const patch: Parameters<typeof changeServer>[2] = {};
  if (s.state !== undefined) {
    const state = typeof s.state === 'string' ? STATES[s.state] : undefined;
    if (!state) return new AdminResponse(400, { error: `Invalid state parameter: ${String(s.state)}` });
    patch.state = state;
  }
  if (s.load_multiplier !== undefined) {
    const m = multiplier(s.load_multiplier);
    if (!m) return new AdminResponse(400, { error: 'Load-multiplier must be a non-zero number' });
    patch.loadMultiplier = m;
  }
  if (text(s.secret)?.trim()) patch.secret = text(s.secret)!.trim();
  if (s.tag !== undefined) patch.tag = text(s.tag)?.trim() || null;
  const row = await changeServer(svc, server.id, patch);
  if (!row) return notFound(body.id);
  return new AdminResponse(200, (await render(svc, [row]))[0]);
};

const deleteServer: AdminHandler = async (svc, { body }) => {
  const server = await byId(svc, body.id);
  if (!server || !(await removeServer(svc, server.id))) return notFound(body.id);
  return new AdminResponse(200, { success: `Server id=${server.id} was destroyed` });
};

const panic: AdminHandler = async (svc, { body }) => {
  const server = await byId(svc, body.id);
  if (!server) return notFound(body.id);
  await panicServer(svc, server, body.keep_state === true || body.keep_state === 'true');
  return new AdminResponse(200, { success: `Server id=${server.id} has been disabled and the meetings have been destroyed` });
};

/** Not in Scalelite: one poll cycle now, instead of waiting for the cron (after adding or fixing a server). */
const pollNow: AdminHandler = async (svc, { env }) => {
  const report = await poll(svc, Date.now(), shardFanOut(env));
  if (report.skipped) return new AdminResponse(409, { error: 'A poll is already running; try again in a few seconds' });
  return new AdminResponse(200, report);
};

export const serverHandlers: Record<string, { method: 'GET' | 'POST'; handler: AdminHandler }> = {
  getServers: { method: 'GET', handler: getServers },
  getServerInfo: { method: 'GET', handler: getServerInfo },
  addServer: { method: 'POST', handler: addServerHandler },
  updateServer: { method: 'POST', handler: updateServer },
  deleteServer: { method: 'POST', handler: deleteServer },
  panicServer: { method: 'POST', handler: panic },
  pollServers: { method: 'POST', handler: pollNow },
};
