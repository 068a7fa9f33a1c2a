import * as z from 'zod';
import { poll } from '../../../cluster/poll.js';
import { shardFanOut } from '../../../cluster/poll-fan-out.js';
import { addServer, changeServer, panicServer, removeServer } from '../../../cluster/pool.js';
import { BASENAME, basenameClash, basenameOf } from '../../../proxy/target.js';
import { freshServerMap } from '../../../cluster/server-cache.js';
import type { Services } from '../../../services.js';
import type { ServerHealth } from '../../../store/cluster-state.js';
import { pendingUploads } from '../../../store/pending-uploads.js';
import { forgetStuckProcessing, processingByServer } from '../../../store/recording-processing.js';
import { RecordId } from '../../../ids.js';
import { Capacity } from '../../validation.js';
import { getServer, type ServerRow } from '../../../store/servers.js';
import { fingerprint, iso } from '../present.js';
import { ApiError, ServerIdParams, notFound, operation, Success } from '../operation.js';

const State = z.enum(['enabled', 'cordoned', 'disabled']);
const Url = z.string().trim().regex(/^https?:\/\/[^/\s]+/i, 'must be an http(s) URL').max(2048);
export const Secret = z.string().trim().min(1).max(1024);
const Tag = z.string().trim().max(256).nullable();
const Multiplier = z.number().positive();
/** null goes back to the default, the first DNS label of the host. */
const ProxyBasename = z
  .string()
  .trim()
  .toLowerCase()
  .regex(BASENAME, 'must be a DNS label: letters, digits and inner hyphens, at most 63 characters')
  .nullable()
  .describe("The cluster proxy's path basename, instead of the first DNS label of the host");
/** null (or never set) is unknown: admission and the headroom metric do not guess it. */
const CapacityFields = {
  capacityUsers: Capacity.optional().describe('Users the node can take; null when unknown'),
  capacityMeetings: Capacity.optional().describe('Meetings the node can take; null when unknown'),
  capacityVideoStreams: Capacity.optional().describe('Video streams the node can take; null when unknown'),
};

export const ServerSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    tag: z.string().nullable(),
    state: State,
    loadMultiplier: z.number(),
    proxyBasename: z.string().describe('The cluster proxy basename in effect (docs/cluster-proxy.md)'),
    proxyBasenameOverridden: z.boolean().describe('Whether proxyBasename was set rather than taken from the host'),
    /** The first 12 hex digits of the secret's SHA-256: which secret is set, never the secret. */
    secretFingerprint: z.string(),
    secretRotationPending: z.boolean().describe('A new secret waits for the node to take it (docs/secret-rotation.md)'),
    secretNextFingerprint: z.string().nullable().describe("The pending secret's fingerprint; null when no rotation is pending"),
    capacityUsers: z.number().nullable(),
    capacityMeetings: z.number().nullable(),
    capacityVideoStreams: z.number().nullable(),
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
      offlineSince: z.string().nullable().describe('When the current outage began; null while online'),
      suspect: z
        .object({
          since: z.string().describe('The latest failed call that marked it'),
          cause: z.string().describe('What failed: network (refused, reset, TLS, DNS), timeout, or http_502/503/504'),
        })
        .nullable()
        .describe('A node call on the request path failed and no poll has heard the node since: it takes no new meeting; null otherwise'),
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
    proxyBasename: basenameOf(s),
    proxyBasenameOverridden: s.proxyBasename !== null,
    secretFingerprint: await fingerprint(s.secret),
    secretRotationPending: s.secretNext !== null,
    secretNextFingerprint: s.secretNext && (await fingerprint(s.secretNext)),
    capacityUsers: s.capacityUsers,
    capacityMeetings: s.capacityMeetings,
    capacityVideoStreams: s.capacityVideoStreams,
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
      offlineSince: iso(h?.offlineSince),
      suspect: h?.suspect ? { since: new Date(h.suspect.since).toISOString(), cause: h.suspect.cause } : null,
    },
  };
}

export async function render(svc: Services, rows: ServerRow[]) {
  const health = await svc.cluster.health(rows);
  return Promise.all(rows.map((r) => present(r, health.get(r.id))));
}

export async function existing(svc: Services, id: string): Promise<ServerRow> {
  const row = await getServer(svc.sql, id);
  if (!row) throw notFound('server', id);
  return row;
}

export const AddServer = z
  .object({
    url: Url,
    secret: Secret,
    tag: Tag.optional(),
    loadMultiplier: Multiplier.default(1),
    state: State.default('disabled'),
    proxyBasename: ProxyBasename.optional(),
    ...CapacityFields,
  })
  .strict()
  .meta({ id: 'AddServer' });

const UpdateServer = z
  .object({
    secret: Secret.optional(),
    tag: Tag.optional(),
    loadMultiplier: Multiplier.optional(),
    state: State.optional(),
    proxyBasename: ProxyBasename.optional(),
    ...CapacityFields,
  })
  .strict()
  .meta({ id: 'UpdateServer' });

type Patch = Parameters<typeof changeServer>[2];

/**
 * An operator's basename must be the server's alone: the proxy serves a shared one to nobody
 * (src/proxy/target.ts), which is the last line of defence, not the way to learn of a clash.
 */
async function checkBasename(svc: Services, candidate: Pick<ServerRow, 'url' | 'proxyBasename'>): Promise<void> {
  const clash = basenameClash((await freshServerMap(svc.sql)).values(), candidate);
  if (!clash) return;
  const name = basenameOf(candidate);
  throw new ApiError(409, 'basename_taken', `The proxy basename ${JSON.stringify(name)} is already used by ${clash.url} (${clash.id}); choose another proxyBasename`);
}

/** Adds a server, enabled or cordoned at once when asked; undefined when its URL (or id) is taken. */
export async function createServer(svc: Services, s: z.output<typeof AddServer>): Promise<ServerRow | undefined> {
  const { state, tag, ...fields } = s;
  const proxyBasename = s.proxyBasename ?? null;
  if (proxyBasename) await checkBasename(svc, { url: s.url, proxyBasename });
  const row = await addServer(svc, { ...fields, tag: tag || null, proxyBasename });
  return row && state !== row.state ? changeServer(svc, row.id, { state }) : row;
}

/**
 * Changes a server, refusing a proxy basename another server already has. Going back to the
 * default is always allowed: a default shared with another server only stops proxying both.
 */
export async function reviseServer(svc: Services, server: ServerRow, patch: Patch): Promise<ServerRow | undefined> {
  if (patch.proxyBasename && patch.proxyBasename !== server.proxyBasename) {
    await checkBasename(svc, { url: server.url, proxyBasename: patch.proxyBasename });
  }
  return changeServer(svc, server.id, patch);
}

const InFlight = z.object({ count: z.number(), recordIds: z.array(z.string()).describe('The oldest 100') });

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
    params: ServerIdParams,
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
    summary: 'Change state, tag, load multiplier, secret, proxy basename or capacity (null: unknown)',
    params: ServerIdParams,
    body: UpdateServer,
    response: ServerSchema,
    errors: [404, 409],
    handler: async ({ svc, params, body }) => {
      const row = await reviseServer(svc, await existing(svc, params.id), {
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
    params: ServerIdParams,
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
    params: ServerIdParams,
    response: InFlight,
    errors: [404],
    handler: async ({ svc, params }) => pendingUploads(svc.sql, (await existing(svc, params.id)).id, 100),
  }),
  operation({
    method: 'get',
    path: '/servers/{id}/recordings-in-flight',
    tag: 'servers',
    summary: 'Recordings the server is still processing or has not fully uploaded (drain waits for both)',
    params: ServerIdParams,
    response: z.object({ processing: InFlight, pendingUpload: InFlight }),
    errors: [404],
    handler: async ({ svc, params }) => {
      const id = (await existing(svc, params.id)).id;
      const [processing, pendingUpload] = await Promise.all([processingByServer(svc.sql, id, 100), pendingUploads(svc.sql, id, 100)]);
      return { processing, pendingUpload };
    },
  }),
  operation({
    method: 'delete',
    path: '/servers/{id}/recordings-in-flight/{recordID}',
    tag: 'servers',
    summary: 'Forget a recording the server reported processing and will never publish (its processing failed on the node)',
    params: ServerIdParams.extend({ recordID: RecordId }),
    response: Success,
    errors: [404],
    handler: async ({ svc, params }) => {
      if (!(await forgetStuckProcessing(svc.sql, (await existing(svc, params.id)).id, params.recordID))) throw notFound('recording processing', params.recordID);
      return { ok: true as const };
    },
  }),
  operation({
    method: 'post',
    path: '/servers/{id}/panic',
    tag: 'servers',
    summary: "End and forget every meeting on the server, then disable it unless keepState",
    params: ServerIdParams,
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
