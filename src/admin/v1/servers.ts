import { z } from 'zod';
import { poll } from '../../../scheduled/poll.js';
import { shardFanOut } from '../../../scheduled/poll-shard.js';
import { addServer, changeServer, panicServer, removeServer } from '../../cluster/pool.js';
import { freshServerMap } from '../../cluster/server-cache.js';
import type { Services } from '../../services.js';
import type { ServerHealth } from '../../store/cluster-state.js';
import { pendingUploads } from '../../store/pending-uploads.js';
import { getServer, type ServerRow } from '../../store/servers.js';
import { fingerprint, iso } from './present.js';
import { ApiError, IdParams, notFound, operation, Success } from './operation.js';

const State = z.enum(['enabled', 'cordoned', 'disabled']);
const Url = z.string().trim().regex(/^https?:\/\/[^/\s]+/i, 'must be an http(s) URL').max(2048);
const Secret = z.string().trim().min(1).max(1024);
const Tag = z.string().trim().max(256).nullable();
const Multiplier = z.number().positive();

export const ServerSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    tag: z.string().nullable(),
    state: State,
    loadMultiplier: z.number(),
    /** The first 12 hex digits of the secret's SHA-256: which secret is set, never the secret. */
    secretFingerprint: z.string(),
    health: z.object({
      online: z.boolean(),
      load: z.number().nullable(),
      meetings: z.number(),
      users: z.number(),
      largestMeeting: z.number(),
      videos: z.number(),
      version: z.string(),
      lastPoll: z.string().nullable(),
      lastError: z.string(),
      failures: z.number(),
      panickedAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'Server' });

async function present(s: ServerRow, h: ServerHealth | undefined): Promise<z.input<typeof ServerSchema>> {
  return {
    id: s.id,
    url: s.url,
    tag: s.tag,
    state: s.state,
    loadMultiplier: s.loadMultiplier,
    secretFingerprint: await fingerprint(s.secret),
    health: {
      online: h?.online ?? false,
      load: s.state !== 'disabled' && h?.online ? h.load : null,
      meetings: h?.meetings ?? 0,
      users: h?.users ?? 0,
      largestMeeting: h?.largestMeeting ?? 0,
      videos: h?.videos ?? 0,
      version: h?.version ?? '',
      lastPoll: iso(h?.polledAt),
      lastError: h?.lastError ?? '',
      failures: h?.failures ?? 0,
      panickedAt: iso(h?.panickedAt),
    },
  };
}

async function render(svc: Services, rows: ServerRow[]) {
  const health = await svc.cluster.health(rows);
  return Promise.all(rows.map((r) => present(r, health.get(r.id))));
}

async function existing(svc: Services, id: string): Promise<ServerRow> {
  const row = await getServer(svc.sql, id);
  if (!row) throw notFound('server', id);
  return row;
}

export const AddServer = z
  .object({ url: Url, secret: Secret, tag: Tag.optional(), loadMultiplier: Multiplier.default(1), state: State.default('disabled') })
  .strict()
  .meta({ id: 'AddServer' });

const UpdateServer = z
  .object({ secret: Secret.optional(), tag: Tag.optional(), loadMultiplier: Multiplier.optional(), state: State.optional() })
  .strict()
  .meta({ id: 'UpdateServer' });

/** Adds a server, enabled or cordoned at once when asked; undefined when its URL (or id) is taken. */
export async function createServer(svc: Services, s: z.output<typeof AddServer>): Promise<ServerRow | undefined> {
  const row = await addServer(svc, { url: s.url, secret: s.secret, tag: s.tag || null, loadMultiplier: s.loadMultiplier });
  return row && s.state !== row.state ? changeServer(svc, row.id, { state: s.state }) : row;
}

const PollReportSchema = z.object({
  servers: z.number(),
  online: z.number(),
  meetings: z.number(),
  removed: z.number(),
  panicked: z.number(),
  disabled: z.array(z.string()),
  shards: z.number(),
  ms: z.number(),
});

export const serverOperations = [
  operation({
    method: 'get',
    path: '/servers',
    tag: 'servers',
    summary: 'Every server with its health from the last poll',
    response: z.object({ servers: z.array(ServerSchema) }),
    handler: async ({ svc }) => ({ servers: await render(svc, [...(await freshServerMap(svc.sql)).values()]) }),
  }),
  operation({
    method: 'get',
    path: '/servers/{id}',
    tag: 'servers',
    summary: 'One server',
    params: IdParams,
    response: ServerSchema,
    errors: [404],
    handler: async ({ svc, params }) => (await render(svc, [await existing(svc, params.id)]))[0]!,
  }),
  operation({
    method: 'post',
    path: '/servers',
    tag: 'servers',
    summary: 'Add a server (disabled unless `state` says otherwise)',
    body: AddServer,
    response: ServerSchema,
    status: 201,
    errors: [409],
    handler: async ({ svc, body }) => {
      const row = await createServer(svc, body);
      if (!row) throw new ApiError(409, 'conflict', 'A server with this URL or id already exists');
      return (await render(svc, [row]))[0]!;
    },
  }),
  operation({
    method: 'patch',
    path: '/servers/{id}',
    tag: 'servers',
    summary: 'Change state, tag, load multiplier or secret',
    params: IdParams,
    body: UpdateServer,
    response: ServerSchema,
    errors: [404],
    handler: async ({ svc, params, body }) => {
      await existing(svc, params.id);
      const row = await changeServer(svc, params.id, {
        ...body,
        ...(body.tag !== undefined ? { tag: body.tag || null } : {}),
      });
      if (!row) throw notFound('server', params.id);
      return (await render(svc, [row]))[0]!;
    },
  }),
  operation({
    method: 'delete',
    path: '/servers/{id}',
    tag: 'servers',
    summary: 'Remove a server (its meetings are forgotten)',
    params: IdParams,
    response: Success,
    errors: [404],
    handler: async ({ svc, params }) => {
      if (!(await removeServer(svc, params.id))) throw notFound('server', params.id);
      return { ok: true as const };
    },
  }),
  operation({
    method: 'get',
    path: '/servers/{id}/pending-uploads',
    tag: 'servers',
    summary: 'Recordings the server has not fully uploaded yet (removing it would strand them)',
    params: IdParams,
    response: z.object({ count: z.number(), recordIds: z.array(z.string()).describe('The oldest 100') }),
    errors: [404],
    handler: async ({ svc, params }) => pendingUploads(svc.sql, (await existing(svc, params.id)).id, 100),
  }),
  operation({
    method: 'post',
    path: '/servers/{id}/panic',
    tag: 'servers',
    summary: "End and forget every meeting on the server, then disable it unless keepState",
    params: IdParams,
    body: z.object({ keepState: z.boolean().default(false) }).strict(),
    response: z.object({ server: ServerSchema, meetingsEnded: z.number() }),
    errors: [404],
    handler: async ({ svc, params, body }) => {
      const meetingsEnded = await panicServer(svc, await existing(svc, params.id), body.keepState);
      return { server: (await render(svc, [await existing(svc, params.id)]))[0]!, meetingsEnded };
    },
  }),
  operation({
    method: 'post',
    path: '/poll',
    tag: 'servers',
    summary: 'Run one poll cycle now instead of waiting for the cron',
    response: PollReportSchema,
    errors: [409],
    handler: async ({ svc, env }) => {
      const report = await poll(svc, Date.now(), shardFanOut(env));
      if (report.skipped) throw new ApiError(409, 'poll_running', 'A poll is already running; try again in a few seconds');
      return report;
    },
  }),
];
