import { NodeCallError } from '../src/bbb/client.js';
import type { XmlNode, XmlObject } from '../src/bbb/xml.js';
import { forEachLimited } from '../src/cluster/concurrency.js';
import { serverLoad } from '../src/cluster/load.js';
import { callServer } from '../src/cluster/node.js';
import { freshServerMap } from '../src/cluster/server-cache.js';
import { describeError } from '../src/log.js';
import type { Services } from '../src/services.js';
import type { FoundMeeting, PolledServer, SnapshotWrite } from '../src/store/cluster-state.js';
import type { ServerRow } from '../src/store/servers.js';
import { DEFAULT_TENANT, knownTenants } from '../src/tenancy/tenant.js';

/** getMeetings of a busy node can be large; anything beyond this is refused as hostile. */
const MAX_GET_MEETINGS_BYTES = 32 * 1024 * 1024;
/** Longer than any cycle may take, shorter than the cron interval. */
const LOCK_MS = 55_000;

export interface PollReport {
  skipped?: 'locked';
  servers: number;
  online: number;
  meetings: number;
  ms: number;
}

interface ServerPoll {
  result: NonNullable<PolledServer['result']>;
  meetings: XmlObject[];
}

const list = (v: XmlNode | undefined): XmlObject[] =>
  (Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : []).filter(
    (m): m is XmlObject => !!m && typeof m === 'object' && !Array.isArray(m),
  );

const num = (v: XmlNode | undefined) => Number(typeof v === 'string' ? v : 0) || 0;

async function pollServer(svc: Services, server: ServerRow, now: number): Promise<ServerPoll> {
  try {
    const res = await callServer(svc.cfg, server, 'getMeetings', [], { maxBytes: MAX_GET_MEETINGS_BYTES });
    if (!res.ok) throw new Error(`${res.messageKey ?? 'FAILED'}: ${res.message ?? ''}`);
    const container = res.response.meetings;
    const meetings = list(container && typeof container === 'object' && !Array.isArray(container) ? container.meeting : undefined);
    const inputs = meetings.map((m) => ({
      participants: num(m.participantCount),
      videos: num(m.videoCount),
      createTime: num(m.createTime),
      isBreakout: m.isBreakout === 'true',
    }));
    return {
      meetings,
      result: {
        online: true,
        load: serverLoad(inputs, server.loadMultiplier, svc.cfg.load, now),
        meetings: meetings.length,
        users: inputs.reduce((a, m) => a + m.participants, 0),
        largestMeeting: inputs.reduce((a, m) => Math.max(a, m.participants), 0),
        videos: inputs.reduce((a, m) => a + m.videos, 0),
        error: '',
      },
    };
  } catch (e) {
    const error = e instanceof NodeCallError ? `${e.kind}: ${e.message}` : describeError(e);
    return { meetings: [], result: { online: false, load: 0, meetings: 0, users: 0, largestMeeting: 0, videos: 0, error } };
  }
}

/**
 * One poll cycle: getMeetings on every enabled or cordoned server (bounded concurrency, per-call
 * timeouts, so a dead node costs at most its timeout), then everything learned written to Redis
 * in one round trip. Postgres is read once, for the server list.
 */
export async function poll(svc: Services, now = Date.now()): Promise<PollReport> {
  const token = crypto.randomUUID();
  if (!(await svc.cluster.acquirePollLock(token, LOCK_MS))) {
    return { skipped: 'locked', servers: 0, online: 0, meetings: 0, ms: 0 };
  }
  try {
    const all = [...(await freshServerMap(svc.sql)).values()];
    const polled = new Map<string, ServerPoll>();
    await forEachLimited(
      all.filter((s) => s.state !== 'disabled'),
      svc.cfg.pollConcurrency,
      async (s) => void polled.set(s.id, await pollServer(svc, s, now)),
    );
    const snapshots: SnapshotWrite[] = [];
    const found: FoundMeeting[] = [];
    for (const [server, p] of polled) {
      // A failed poll keeps the last snapshot until the server is declared offline.
      if (p.result.online) snapshots.push({ tenant: DEFAULT_TENANT, server, json: JSON.stringify({ at: now, meetings: p.meetings }) });
      for (const m of p.meetings) {
        if (typeof m.meetingID === 'string' && m.meetingID) found.push({ tenant: DEFAULT_TENANT, meetingID: m.meetingID, server });
      }
    }
    await svc.cluster.apply({
      full: true,
      now,
      routeTtlSeconds: svc.cfg.meetingTtlSeconds,
      thresholds: { healthy: svc.cfg.healthyThreshold, unhealthy: svc.cfg.unhealthyThreshold },
      tenants: knownTenants(),
      servers: all.map((server) => {
        const p = polled.get(server.id);
        return p ? { server, result: p.result } : { server };
      }),
      tags: all.map((s) => s.tag ?? 'none'),
      snapshots,
      found,
    });
    const online = [...polled.values()].filter((p) => p.result.online).length;
    return { servers: polled.size, online, meetings: found.length, ms: Date.now() - now };
  } finally {
    await svc.cluster.releasePollLock(token).catch(() => undefined);
  }
}
