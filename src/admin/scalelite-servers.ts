import { poll } from '../cluster/poll.js';
import { shardFanOut } from '../cluster/poll-fan-out.js';
import { errors } from '../bbb/errors.js';
import { addServer, changeServer, panicServer, removeServer } from '../cluster/pool.js';
import { freshServerMap } from '../cluster/server-cache.js';
import type { ServerHealth } from '../store/cluster-state.js';
import { getServer, type ServerCapacity, type ServerRow, type ServerState } from '../store/servers.js';
import type { Services } from '../services.js';
import * as z from 'zod';
import { isValid, ServerId, storableText } from '../ids.js';
import { adminRoute, AdminResponse, refuse, type AdminHandler, type AdminRoute } from './response.js';
import { Capacity } from './validation.js';
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
    capacity_users: s.capacityUsers,
    capacity_meetings: s.capacityMeetings,
    capacity_video_streams: s.capacityVideoStreams,
  };
}

async function render(svc: Services, rows: ServerRow[]): Promise<Record<string, unknown>[]> {
  const health = await svc.cluster.health(rows);
  return Promise.all(rows.map((r) => serverJson(r, health.get(r.id))));
}

const notFound = (id: unknown): never => {
  throw refuse('not_found', `Couldn't find server with id=${String(id)}`);
};

/** Scalelite: a load multiplier of 0, or one that is not a number, is refused on update. */
function multiplier(v: unknown): number | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

const STATES: Record<string, ServerState> = { enable: 'enabled', cordon: 'cordoned', disable: 'disabled' };

/**
 * Scalelite's bodies, strictly: its fields only, each of its type. Rails reads JSON numbers and
 * numeric strings alike for the multiplier, and "true" for keep_state; so do these.
 */
const Id = z.string().optional();
const Multiplier = z.union([z.number(), z.string()]).nullable().optional();
/** Not in Scalelite: the node's capacity (docs/compatibility.md); null clears it to unknown. */
const CapacityFields = {
  capacity_users: Capacity.optional(),
  capacity_meetings: Capacity.optional(),
  capacity_video_streams: Capacity.optional(),
};
const ServerFields = z
  .object({
    url: storableText(2048).optional(),
    secret: storableText(1024).optional(),
    load_multiplier: Multiplier,
    tag: storableText(256).nullable().optional(),
    ...CapacityFields,
  })
  .strict();

/** The capacities a body gives, null included, as the store names them. */
const capacities = (s: z.output<typeof ServerFields>): Partial<ServerCapacity> => ({
  ...(s.capacity_users !== undefined ? { capacityUsers: s.capacity_users } : {}),
  ...(s.capacity_meetings !== undefined ? { capacityMeetings: s.capacity_meetings } : {}),
  ...(s.capacity_video_streams !== undefined ? { capacityVideoStreams: s.capacity_video_streams } : {}),
});
const AddServerBody = z.object({ server: ServerFields.nullable().optional() }).strict();
const UpdateServerBody = z
  .object({ id: Id, server: ServerFields.omit({ url: true }).extend({ state: z.string().optional() }).strict().optional() })
  .strict();
const IdBody = z.object({ id: Id }).strict();
const PanicBody = z.object({ id: Id, keep_state: z.union([z.boolean(), z.enum(['true', 'false'])]).optional() }).strict();

/** The server, or undefined for an unknown id or one that cannot be an id (never sent to Postgres). */
async function byId(svc: Services, id: unknown): Promise<ServerRow | undefined> {
  return isValid(ServerId, id) ? getServer(svc.sql, id) : undefined;
}

const getServers: AdminHandler<unknown> = async (svc) => {
  const rows = [...(await freshServerMap(svc.sql)).values()];
  if (rows.length === 0) throw refuse('not_found', 'No servers are configured');
  return new AdminResponse(200, await render(svc, rows));
};

const getServerInfo: AdminHandler<unknown> = async (svc, { query }) => {
  const server = await byId(svc, query.get('id'));
  if (!server) return notFound(query.get('id'));
  return new AdminResponse(200, (await render(svc, [server]))[0]);
};

const addServerHandler: AdminHandler<z.output<typeof AddServerBody>> = async (svc, { body }) => {
  const s = body.server;
  if (!s) throw errors.internalError('param is missing or the value is empty: server');
  const url = s.url?.trim();
  const secret = s.secret?.trim();
  if (!url || !secret) throw refuse('bad_request', 'Server needs a URL and a secret');
  if (!/^https?:\/\/[^/\s]+/i.test(url)) throw refuse('bad_request', 'Server URL must start with http:// or https://');
  const row = await addServer(svc, {
    url,
    secret,
    tag: s.tag?.trim() || null,
    // Scalelite: a missing or 0 multiplier becomes 1.0.
    loadMultiplier: multiplier(s.load_multiplier) ?? 1,
    ...capacities(s),
  });
  if (!row) throw refuse('bad_request', 'A server with this URL or id already exists');
  return new AdminResponse(201, (await render(svc, [row]))[0]);
};

const updateServer: AdminHandler<z.output<typeof UpdateServerBody>> = async (svc, { body }) => {
  const server = await byId(svc, body.id);
  if (!server) return notFound(body.id);
  const s = body.server ?? {};
  const patch: Parameters<typeof changeServer>[2] = capacities(s);
  if (s.state !== undefined) {
    const state = Object.hasOwn(STATES, s.state) ? STATES[s.state] : undefined;
    if (!state) throw refuse('bad_request', `Invalid state parameter: ${s.state}`);
    patch.state = state;
  }
  if (s.load_multiplier !== undefined) {
    const m = multiplier(s.load_multiplier);
    if (!m) throw refuse('bad_request', 'Load-multiplier must be a non-zero number');
    patch.loadMultiplier = m;
  }
  if (s.secret?.trim()) patch.secret = s.secret.trim();
  if (s.tag !== undefined) patch.tag = s.tag?.trim() || null;
  const row = await changeServer(svc, server.id, patch);
  if (!row) return notFound(body.id);
  return new AdminResponse(200, (await render(svc, [row]))[0]);
};

const deleteServer: AdminHandler<z.output<typeof IdBody>> = async (svc, { body }) => {
  const server = await byId(svc, body.id);
  if (!server || !(await removeServer(svc, server.id))) return notFound(body.id);
  return new AdminResponse(200, { success: `Server id=${server.id} was destroyed` });
};

const panic: AdminHandler<z.output<typeof PanicBody>> = async (svc, { body }) => {
  const server = await byId(svc, body.id);
  if (!server) return notFound(body.id);
  await panicServer(svc, server, body.keep_state === true || body.keep_state === 'true');
  return new AdminResponse(200, { success: `Server id=${server.id} has been disabled and the meetings have been destroyed` });
};

/** Not in Scalelite: one poll cycle now, instead of waiting for the cron (after adding or fixing a server). */
const pollNow: AdminHandler<unknown> = async (svc, { env }) => {
  const report = await poll(svc, Date.now(), shardFanOut(env));
  if (report.skipped) throw refuse('poll_running', 'A poll is already running; try again in a few seconds');
  return new AdminResponse(200, report);
};

export const serverHandlers: Record<string, AdminRoute> = {
  getServers: adminRoute({ method: 'GET', handler: getServers }),
  getServerInfo: adminRoute({ method: 'GET', handler: getServerInfo }),
  addServer: adminRoute({ method: 'POST', body: AddServerBody, handler: addServerHandler }),
  updateServer: adminRoute({ method: 'POST', body: UpdateServerBody, handler: updateServer }),
  deleteServer: adminRoute({ method: 'POST', body: IdBody, handler: deleteServer }),
  panicServer: adminRoute({ method: 'POST', body: PanicBody, handler: panic }),
  pollServers: adminRoute({ method: 'POST', body: z.object({}).strict(), handler: pollNow }),
};
