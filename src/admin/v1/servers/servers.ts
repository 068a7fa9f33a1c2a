import type * as z from 'zod';
import { poll } from '../../../cluster/poll.js';
import { shardFanOut } from '../../../cluster/poll-fan-out.js';
import { addServer, changeServer, panicServer, removeServer } from '../../../cluster/pool.js';
import { basenameClash, basenameOf } from '../../../proxy/target.js';
import { freshServerMap } from '../../../cluster/server-cache.js';
import type { Services } from '../../../services.js';
import type { ServerHealth } from '../../../store/cluster-state.js';
import { pendingUploads } from '../../../store/pending-uploads.js';
import { forgetStuckProcessing, processingByServer } from '../../../store/recording-processing.js';
import { getServer, type ServerRow } from '../../../store/servers.js';
import { fingerprint, iso } from '../present.js';
import { ApiError, notFound, operation } from '../operation.js';
import { ServerIdParams, Success } from '../schemas/common.js';
import {
  AddServer,
  InFlight,
  InFlightRecordParams,
  PanicBody,
  PanicReport,
  PollReportSchema,
  RecordingsInFlight,
  ServerList,
  ServerSchema,
  UpdateServer,
} from '../schemas/servers.js';

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

export const serverOperations = [
  operation({
    method: 'get',
    path: '/servers',
    tag: 'servers',
    summary: 'Every server with its health from the last poll',
    response: ServerList,
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
    response: RecordingsInFlight,
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
    params: InFlightRecordParams,
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
    body: PanicBody,
    response: PanicReport,
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
