import type * as z from 'zod';
import { xmlText, type XmlObject, type XmlValue } from '../../../bbb/xml.js';
import { poolHeadroom } from '../../../cluster/capacity.js';
import { decodeSnapshot } from '../../../cluster/snapshot.js';
import { describeError, log } from '../../../observability/log.js';
import { readiness } from '../../../observability/readiness.js';
import type { Services } from '../../../services.js';
import { readPoolHistory, readServerHistory } from '../../../store/history-samples.js';
import { pendingUploadsByServer } from '../../../store/pending-uploads.js';
import { recordingPipeline } from '../../../store/recording-pipeline.js';
import { getServer, listServers } from '../../../store/servers.js';
import { knownTenants } from '../../../tenancy/tenant.js';
import { tenantMap } from '../../../tenancy/tenant-cache.js';
import { notFound, operation } from '../operation.js';
import { ServerIdParams } from '../schemas/common.js';
import { MeetingRow, Overview, ServerHistory } from '../schemas/reports.js';
import { render } from '../servers/servers.js';

/**
 * What the dashboard shows (docs/dashboard.md), read at once so its numbers agree: every meeting
 * count and total on the page comes from the `meetings` list, which is the last poll's snapshots.
 */

const HISTORY_MS = 24 * 3_600_000;
const RECENT_RECORDINGS = 10;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
const str = (v: XmlValue | undefined) => xmlText(v) ?? '';
const int = (v: XmlValue | undefined) => Number(xmlText(v)) || 0;

/** Every tenant's meetings from the last poll's snapshots (one Redis round trip). */
async function polledMeetings(svc: Services): Promise<z.input<typeof MeetingRow>[]> {
  // The isolate's tenants, or the poll's mirror of them while Postgres is down.
  const ids = await knownTenants(svc);
  const names = new Map(svc.cfg.multitenancy ? [...(await tenantMap(svc, () => undefined)).byId].map(([id, t]) => [id, t.name]) : []);
  const snapshots = await svc.cluster.snapshots(ids);
  const perTenant = await Promise.all(
    [...snapshots].map(async ([tenant, servers]) => {
      const rows = await Promise.all(
        Object.entries(servers).map(async ([server, stored]) => {
          const snap = await decodeSnapshot(stored);
          return (snap.meetings ?? []).map((m: XmlObject) => ({
            tenant,
            tenantName: names.get(tenant) ?? tenant,
            meetingID: str(m.meetingID),
            meetingName: str(m.meetingName),
            server,
            participants: int(m.participantCount),
            videoStreams: int(m.videoCount),
            createTime: int(m.createTime) || null,
            recording: str(m.recording) === 'true',
            polledAt: iso(snap.at),
          }));
        }),
      );
      return rows.flat();
    }),
  );
  return perTenant.flat();
}

/**
 * A part of the overview that cannot be read is left empty and named, so the rest still shows: at
 * 3 a.m. Postgres or Redis may be what is down, and the page must say so rather than go blank.
 */
async function part<T>(name: string, unavailable: string[], read: Promise<T>, empty: T): Promise<T> {
  try {
    return await read;
  } catch (e) {
    log('warn', 'overview: a part could not be read', { part: name, error: describeError(e) });
    unavailable.push(name);
    return empty;
  }
}

export const overviewOperations = [
  operation({
    method: 'get',
    path: '/overview',
    tag: 'dashboard',
    summary: 'Everything the dashboard shows, read at once: readiness, servers, meetings, recording pipeline, the last 24 h of history',
    description:
      'Meetings are the last poll\'s snapshots of every tenant; totals computed from them agree with each other. No BBB node is called.',
    response: Overview,
    handler: async ({ svc }) => {
      const now = Date.now();
      const unavailable: string[] = [];
      const [ready, stats, servers, meetings, pendingUploads, pipeline, history] = await Promise.all([
        readiness(svc, now),
        part('poll', unavailable, svc.cluster.pollStats(), null),
        // Postgres down: the servers as the last poll mirrored them in Redis.
        part('servers', unavailable, listServers(svc.sql).catch(() => svc.cluster.mirroredServers()).then((rows) => render(svc, rows)), []),
        part('meetings', unavailable, polledMeetings(svc), []),
        part('pending uploads', unavailable, pendingUploadsByServer(svc.sql), []),
        part('recordings and callbacks', unavailable, recordingPipeline(svc.sql, RECENT_RECORDINGS), { recent: [], callbacks: [] }),
        part('history', unavailable, readPoolHistory(svc.sql, new Date(now - HISTORY_MS)), []),
      ]);
      const last = stats?.last;
      const inService = servers
        .filter((srv) => srv.state === 'enabled' && srv.health.online)
        .map((srv) => {
          const mine = meetings.filter((m) => m.server === srv.id);
          return { server: srv, used: { users: mine.reduce((n, m) => n + m.participants, 0), meetings: mine.length } };
        });
      return {
        readAt: new Date(now).toISOString(),
        readiness: ready,
        unavailable: unavailable.sort(),
        poll: { at: iso(last?.at), ms: last?.ms ?? null, servers: last?.servers ?? null, failed: last?.failed ?? null },
        servers,
        meetings,
        pipeline: { pendingUploads, ...pipeline },
        headroom: { users: poolHeadroom(inService, 'users'), meetings: poolHeadroom(inService, 'meetings') },
        history,
      };
    },
  }),
  operation({
    method: 'get',
    path: '/servers/{id}/history',
    tag: 'dashboard',
    summary: "A server's samples of the last 24 h (every 5 minutes: answered, meetings, participants, video, load, failed polls in a row)",
    params: ServerIdParams,
    response: ServerHistory,
    errors: [404],
    handler: async ({ svc, params }) => {
      if (!(await getServer(svc.sql, params.id))) throw notFound('server', params.id);
      return { server: params.id, samples: await readServerHistory(svc.sql, params.id, new Date(Date.now() - HISTORY_MS)) };
    },
  }),
];
