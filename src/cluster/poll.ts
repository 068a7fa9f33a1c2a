import { changeServerStates, promoteSecrets } from './pool.js';
import { freshServerMap } from './server-cache.js';
import { forEachLimited } from './concurrency.js';
import { callServer } from './node.js';
import { encodeSnapshot } from './snapshot.js';
import { describeError, log } from '../observability/log.js';
import type { Services } from '../services.js';
import type { FoundMeeting, PanickedMeeting, SnapshotWrite } from '../store/cluster-state.js';
import type { ServerRow } from '../store/servers.js';
import { fromNodeMeetingID, nodeMeetingID, unscopeMeeting } from '../tenancy/scope.js';
import { DEFAULT_TENANT, polledTenants } from '../tenancy/tenant.js';
import type { XmlObject } from '../bbb/xml.js';
import { logServerEvents } from './poll-events.js';
import { recordHistory } from './poll-history.js';
import { pollServers, type PollTarget, type ServerPoll } from './poll-servers.js';

/** Longer than any cycle may take, shorter than the cron interval. */
const LOCK_MS = 55_000;
/** A route younger than this survives a poll that did not see its meeting: its create may still be in flight. */
const RECONCILE_GRACE_MS = 60_000;
/** The node's version is read again after this long (it changes only on upgrades). */
const VERSION_EVERY_MS = 60 * 60_000;
/** Redis may blink; the nodes' answers are worth a few retries of the one write. */
const APPLY_RETRIES_MS = [500, 2000];

export interface PollReport {
  skipped?: 'locked';
  servers: number;
  online: number;
  meetings: number;
  /** Routes and index entries removed because their meeting is gone. */
  removed: number;
  /** Meetings dropped from servers auto-panicked in this cycle. */
  panicked: number;
  /** Cordoned servers that were empty and became disabled. */
  disabled: string[];
  /** Shards polled by further invocations (0 when this invocation polled every server). */
  shards: number;
  ms: number;
}

/** Polls one shard of servers in another invocation of this Worker (its own connection and subrequest limits). */
export type PollFanOut = (targets: PollTarget[], now: number) => Promise<[string, ServerPoll][]>;

/**
 * One poll cycle: getMeetings on every enabled or cordoned server (bounded concurrency, per-call
 * timeouts, short ones for servers already offline, so a dead node costs at most a second), then
 * everything learned written to Redis in one round trip. Redis round trips per cycle are fixed
 * (lock, health, apply, unlock, and one health read when a server may have changed state, for its
 * event), whatever the number of servers and meetings; Postgres is read once
 * and written only when a cordoned server turns disabled or a node took its pending new secret. With
 * multitenancy the apply also mirrors the tenants, for isolates that start while Postgres is down.
 * A pool larger than POLL_SHARD_SIZE fans out to further invocations when `fanOut` is given.
 */
export async function poll(svc: Services, now = Date.now(), fanOut?: PollFanOut): Promise<PollReport> {
  const token = crypto.randomUUID();
  if (!(await svc.cluster.acquirePollLock(token, LOCK_MS))) {
    return { skipped: 'locked', servers: 0, online: 0, meetings: 0, removed: 0, panicked: 0, disabled: [], shards: 0, ms: 0 };
  }
  try {
    const all = [...(await freshServerMap(svc.sql)).values()];
    const { ids: tenants, mirror: tenantMirror } = await polledTenants(svc);
    const tenantSet = new Set(tenants);
    const active = all.filter((s) => s.state !== 'disabled');
    const health = await svc.cluster.health(active);
    const targets: PollTarget[] = active.map((server) => {
      const h = health.get(server.id);
      return { server, online: h?.online ?? false, readVersion: !h?.versionAt || now - h.versionAt > VERSION_EVERY_MS };
    });
    const shards = fanOut && targets.length > svc.cfg.pollShardSize ? chunks(targets, svc.cfg.pollShardSize) : [];
    const polled = new Map(
      shards.length > 0
        ? (await Promise.all(shards.map((shard) => fanOut!(shard, now)))).flat()
        : await pollServers(svc.cfg, targets, now),
    );

    const promoted = await promoteSecrets(svc, active.filter((s) => polled.get(s.id)?.secretNext));
    const disabled = await disableEmptyCordoned(svc, active, polled);
    // Rows changed this cycle, mirrored by the one write below (the later change holds both).
    const states = new Map([...promoted, ...disabled].map((s) => [s.id, s]));
    const snapshots: SnapshotWrite[] = [];
    const found: FoundMeeting[] = [];
    const attendees = new Map<string, number>();
    for (const [server, p] of polled) {
      // Each tenant sees its own meetings, under the IDs it gave them.
      const byTenant = new Map<string, XmlObject[]>([[DEFAULT_TENANT, []]]);
      for (const m of p.meetings) {
        if (typeof m.meetingID !== 'string' || !m.meetingID) continue;
        const { tenant, meetingID } = fromNodeMeetingID(m.meetingID, tenantSet);
        const list = byTenant.get(tenant) ?? [];
        list.push(unscopeMeeting(m, tenant));
        byTenant.set(tenant, list);
        found.push({ tenant, meetingID, server, voiceBridge: text(m.voiceBridge), moderatorPW: text(m.moderatorPW) });
        attendees.set(tenant, (attendees.get(tenant) ?? 0) + (Number(text(m.participantCount)) || 0));
      }
      // A failed poll keeps the last snapshot until the server is declared offline.
      if (!p.result.online) continue;
      for (const [tenant, meetings] of byTenant) snapshots.push({ tenant, server, json: await encodeSnapshot({ at: now, meetings }) });
    }
    const failed = [...polled.values()].filter((p) => !p.result.online).length;
    const applied = await withRetries(() =>
      svc.cluster.apply({
        full: true,
        now,
        routeTtlSeconds: svc.cfg.meetingTtlSeconds,
        thresholds: { healthy: svc.cfg.healthyThreshold, unhealthy: svc.cfg.unhealthyThreshold, panic: svc.cfg.panicThreshold },
        graceMs: RECONCILE_GRACE_MS,
        tenants,
        servers: all.map((s) => {
          const server = states.get(s.id) ?? s;
          const p = polled.get(s.id);
          return p ? { server, result: p.result } : { server };
        }),
        tags: all.map((s) => s.tag ?? 'none'),
        snapshots,
        found,
        cycle: { ms: Date.now() - now, polled: polled.size, failed },
        attendees,
        tenantMirror,
      }),
    );
    await logServerEvents(svc, { active, before: health, polled, panicked: applied.panicked, disabled });
    await endOnNodes(svc, all, applied.panicked);
    // A node back with a meeting re-created elsewhere meanwhile: one meeting must not run twice.
    for (const m of applied.staleCopies) log('warn', 'poll: ending a stale copy of a meeting', { server: m.server, tenant: m.tenant, meetingID: m.meetingID });
    await endOnNodes(svc, all, applied.staleCopies);
    await recordHistory(svc, now, { polled, health, found, attendees, ms: Date.now() - now });
    return {
      servers: polled.size,
      online: polled.size - failed,
      meetings: found.length,
      removed: applied.removed,
      panicked: applied.panicked.length,
      disabled: disabled.map((s) => s.id),
      shards: shards.length,
      ms: Date.now() - now,
    };
  } finally {
    await svc.cluster.releasePollLock(token).catch(() => undefined);
  }
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function withRetries<T>(f: () => Promise<T>): Promise<T> {
  for (const wait of APPLY_RETRIES_MS) {
    try {
      return await f();
    } catch (e) {
      log('warn', 'poll: writing the cycle failed, retrying', { retryInMs: wait, error: describeError(e) });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  return f();
}

/** As Scalelite: a cordoned server that answered with no meetings left becomes disabled. */
async function disableEmptyCordoned(svc: Services, active: ServerRow[], polled: Map<string, ServerPoll>): Promise<ServerRow[]> {
  const empty = active.filter((s) => s.state === 'cordoned' && polled.get(s.id)?.result.online && polled.get(s.id)?.result.meetings === 0);
  return empty.length === 0 ? [] : changeServerStates(svc, empty.map((s) => s.id), 'cordoned', 'disabled');
}

/**
 * Scalelite asks the node to end what auto-panic dropped (the node is usually dead, so errors are
 * ignored); stale copies are ended the same way (the next cycle tries again if one survives).
 */
async function endOnNodes(svc: Services, all: ServerRow[], meetings: PanickedMeeting[]): Promise<void> {
  const byId = new Map(all.map((s) => [s.id, s]));
  await forEachLimited(meetings, svc.cfg.pollConcurrency, async (m) => {
    const server = byId.get(m.server);
    if (!server) return;
    const params: [string, string][] = [['meetingID', nodeMeetingID(m.tenant, m.meetingID)]];
    if (m.moderatorPW) params.push(['password', m.moderatorPW]);
    await callServer(svc.cfg, server, 'end', params, { online: false }).catch(() => undefined);
  });
}
