import type { Redis } from './redis.js';
import { keys, meetingOwner, tagKey } from './keys.js';
import { POLL_APPLY, type PollServerArg } from './lua/poll-apply.js';
import { RELEASE_LOCK } from './lua/release-lock.js';
import { run } from './lua/script.js';
import type { ServerRow, ServerState } from './servers.js';
import { decodeTenantMirror, encodeTenantMirror } from './tenant-mirror.js';
import type { TenantRow } from './tenants.js';

export interface ServerHealth {
  online: boolean;
  load: number | null;
  meetings: number;
  users: number;
  largestMeeting: number;
  videos: number;
  polledAt: number | null;
  lastError: string;
  /** Failed polls in a row (0 after a good one). */
  failures: number;
  /** bbbVersion from the node's API root; '' until a poll has read it. */
  version: string;
  versionAt: number | null;
  /** When the current outage auto-panicked the server; null when it did not. */
  panickedAt: number | null;
  /** When the current outage began (the poll that took it offline); null while online or before a poll. */
  offlineSince: number | null;
  /** Marked by a failed call on the request path (src/cluster/suspicion.ts) and not cleared by a poll yet. */
  suspect: { since: number; cause: string } | null;
}

export interface PollStats {
  /** The last full cycle; null before the first. */
  last: { at: number; ms: number; servers: number; failed: number } | null;
  cycles: number;
  failures: number;
}

/** A meeting auto-panic dropped, or a stale copy of a meeting, so its node can be asked to end it. */
export interface PanickedMeeting {
  server: string;
  tenant: string;
  meetingID: string;
  moderatorPW: string;
}

export interface PolledServer {
  server: ServerRow;
  /** Absent when the server was not polled this cycle. */
  result?: {
    /** Whether it answered; being online also depends on the health thresholds. */
    online: boolean;
    load: number;
    meetings: number;
    users: number;
    largestMeeting: number;
    videos: number;
    error: string;
    /** '' keeps the last known version. */
    version: string;
  };
}

export interface SnapshotWrite {
  tenant: string;
  server: string;
  /** The server's meetings, encoded by src/cluster/snapshot.ts; null drops the entry. */
  json: string | null;
}

export interface FoundMeeting {
  tenant: string;
  meetingID: string;
  server: string;
  voiceBridge: string;
  moderatorPW: string;
}

/** HGETALL as the REST client returns it without deserialization: a flat [field, value, …] list. */
/** A mirrored capacity: '' (or absent) is unknown. */
const capacity = (v: string | undefined): number | null => (v ? Number(v) : null);

function record(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = String(raw[i + 1]);
  return out;
}

/** The pool's live state in Redis: server mirror, health, load zsets and meeting snapshots. */
export class ClusterState {
  private readonly k;

  constructor(
    private readonly redis: Redis,
    ns: string,
  ) {
    this.k = keys(ns);
  }

  /**
   * One round trip for a whole poll cycle (full) or for an admin change to some servers (partial).
   * `tags` must list every tag in use so a server whose tag changed leaves its old zset.
   */
  async apply(opts: {
    full: boolean;
    now: number;
    routeTtlSeconds: number;
    thresholds: { healthy: number; unhealthy: number; panic: number };
    /** A route younger than this is kept although its node did not report it (its create may be in flight). */
    graceMs?: number;
    servers: PolledServer[];
    tags: string[];
    tenants: string[];
    snapshots?: SnapshotWrite[];
    found?: FoundMeeting[];
    cycle?: { ms: number; polled: number; failed: number };
    /** Attendees per tenant on the whole pool (full cycles). */
    attendees?: Map<string, number>;
    /** Every tenant as Postgres has it, mirrored for cold isolates (full cycles with multitenancy). */
    tenantMirror?: TenantRow[];
  }): Promise<{ removed: number; panicked: PanickedMeeting[]; staleCopies: PanickedMeeting[] }> {
    const k = this.k;
    const servers = opts.servers.map(({ server: s, result: r }): PollServerArg => [
      s.id, s.state, s.tag ?? '', String(s.loadMultiplier), s.url, s.secret, s.secretNext ?? '', s.proxyBasename ?? '',
      !!r, !!r?.online, String(r?.load ?? 0), String(r?.meetings ?? 0), String(r?.users ?? 0),
      String(r?.largestMeeting ?? 0), String(r?.videos ?? 0), r?.error ?? '', r?.version ?? '',
      String(s.capacityUsers ?? ''), String(s.capacityMeetings ?? ''), String(s.capacityVideoStreams ?? ''),
    ]);
    // Every server's own tag among them, so the script has the zset of each.
    const tags = [...new Set(['none', ...opts.tags.map(tagKey), ...opts.servers.map(({ server: s }) => tagKey(s.tag))])];
    const snapshots = opts.snapshots ?? [];
    const found = opts.found ?? [];
    const cycle = opts.cycle ?? { ms: 0, polled: 0, failed: 0 };
    const keyList = [k.servers(), k.voiceBridges(), k.attendeeUsage(), k.tenants(), k.lastPoll(), k.pollStats(), k.metrics()];
    for (const s of servers) keyList.push(k.server(s[0]));
    for (const t of tags) keyList.push(k.load(t));
    const reconciled = new Set(opts.tenants);
    const others = [...new Set([...snapshots, ...found].map((x) => x.tenant))].filter((t) => !reconciled.has(t));
    for (const t of [...opts.tenants, ...others]) keyList.push(k.meetings(t), k.snapshot(t));
    for (const f of found) keyList.push(k.route(f.tenant, f.meetingID));
    const out = await run(this.redis, POLL_APPLY, keyList, {
      now: String(opts.now),
      ttl: String(opts.routeTtlSeconds),
      full: opts.full,
      healthy: opts.thresholds.healthy,
      unhealthy: opts.thresholds.unhealthy,
      panic: opts.thresholds.panic,
      grace: opts.graceMs ?? 0,
      servers,
      tags,
      tenants: opts.tenants,
      owners: opts.tenants.map((t) => meetingOwner(t, '')),
      others,
      snapshots: snapshots.map((s): [string, string] => [s.tenant, s.server]),
      found: found.map((f) => [f.tenant, f.meetingID, meetingOwner(f.tenant, f.meetingID), f.server, f.voiceBridge, f.moderatorPW]),
      cycle: { ms: String(cycle.ms), polled: String(cycle.polled), failed: String(cycle.failed) },
      attendees: [...(opts.attendees ?? new Map<string, number>())].map(([tenant, n]): [string, string] => [tenant, String(n)]),
      families: k.families(),
    }, [opts.tenantMirror ? encodeTenantMirror(opts.tenantMirror) : '', ...snapshots.map((s) => s.json ?? '')]);
    const ended: PanickedMeeting[] = [];
    for (let i = 2; i + 3 < out.length; i += 4) {
      ended.push({ server: String(out[i]), tenant: String(out[i + 1]), meetingID: String(out[i + 2]), moderatorPW: String(out[i + 3]) });
    }
    const nPanicked = Number(out[1]) || 0;
    return { removed: Number(out[0]) || 0, panicked: ended.slice(0, nPanicked), staleCopies: ended.slice(nPanicked) };
  }

  /** Removes a deleted server from the mirror and every placement zset. */
  async removeServer(id: string, tags: string[], tenants: string[]): Promise<void> {
    const p = this.redis.multi();
    p.del(this.k.server(id));
    p.srem(this.k.servers(), id);
    for (const t of new Set(['none', ...tags.map(tagKey)])) p.zrem(this.k.load(t), id);
    for (const t of tenants) p.hdel(this.k.snapshot(t), id);
    await p.exec();
  }

  /**
   * Health and stats of some servers, one round trip. The load is the live placement score
   * (last poll plus reservations since) while the server is a candidate, else the last poll's.
   */
  async health(servers: { id: string; tag: string | null }[]): Promise<Map<string, ServerHealth>> {
    const out = new Map<string, ServerHealth>();
    if (servers.length === 0) return out;
    const p = this.redis.pipeline();
    for (const s of servers) {
      p.hgetall(this.k.server(s.id));
      p.zscore(this.k.load(tagKey(s.tag)), s.id);
    }
    const rows = await p.exec();
    servers.forEach(({ id }, i) => {
      const h = record(rows[2 * i]);
      const score = rows[2 * i + 1];
      const online = h.online === '1';
      out.set(id, {
        online,
        load: score !== null && score !== undefined ? Number(score) : online && h.load !== undefined ? Number(h.load) : null,
        meetings: Number(h.meetings ?? 0),
        users: Number(h.users ?? 0),
        largestMeeting: Number(h.largest ?? 0),
        videos: Number(h.videos ?? 0),
        polledAt: h.polled ? Number(h.polled) : null,
        lastError: h.error ?? '',
        failures: Number(h.fails ?? 0),
        version: h.version ?? '',
        versionAt: h.versionAt ? Number(h.versionAt) : null,
        panickedAt: h.panicked ? Number(h.panicked) : null,
        offlineSince: !online && h.offline ? Number(h.offline) : null,
        suspect: h.suspect ? { since: Number(h.suspect), cause: h.suspectCause ?? '' } : null,
      });
    });
    return out;
  }

  /** getMeetings' one round trip: the per-server snapshots and the tenant's meeting index. */
  async snapshot(tenant: string): Promise<{ servers: Record<string, string>; index: Record<string, string> }> {
    const p = this.redis.pipeline();
    p.hgetall(this.k.snapshot(tenant));
    p.hgetall(this.k.meetings(tenant));
    const [servers, index] = await p.exec();
    return { servers: record(servers), index: record(index) };
  }

  /** Several tenants' per-server snapshots in one round trip (the dashboard's every meeting). */
  async snapshots(tenants: string[]): Promise<Map<string, Record<string, string>>> {
    if (tenants.length === 0) return new Map();
    const p = this.redis.pipeline();
    for (const tenant of tenants) p.hgetall(this.k.snapshot(tenant));
    const rows = await p.exec();
    return new Map(tenants.map((tenant, i) => [tenant, record(rows[i])]));
  }

  /** Overlapping cron runs must not poll twice. */
  async acquirePollLock(token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k.pollLock(), token, { nx: true, px: ttlMs })) === 'OK';
  }

  async releasePollLock(token: string): Promise<void> {
    await run(this.redis, RELEASE_LOCK, [this.k.pollLock()], { token });
  }

  /**
   * The server configuration as last mirrored, for when Postgres cannot be reached and this
   * isolate has no cached copy yet. One round trip.
   */
  async mirroredServers(): Promise<ServerRow[]> {
    const ids = (await this.redis.smembers(this.k.servers())) as string[];
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.k.server(id));
    const rows = await p.exec();
    return ids.flatMap((id, i) => {
      const h = record(rows[i]);
      if (!h.url || !h.secret) return [];
      const state: ServerState = h.state === 'enabled' || h.state === 'cordoned' ? h.state : 'disabled';
      return [
        {
          id,
          url: h.url,
          secret: h.secret,
          secretNext: h.next || null,
          tag: h.tag || null,
          state,
          loadMultiplier: Number(h.mult) || 1,
          proxyBasename: h.basename || null,
          capacityUsers: capacity(h.capu),
          capacityMeetings: capacity(h.capm),
          capacityVideoStreams: capacity(h.capv),
        },
      ];
    });
  }

  /**
   * The tenants as the last poll mirrored them, for when Postgres cannot be reached and this
   * isolate has no cached copy yet; null when there is no mirror. One round trip.
   */
  async mirroredTenants(): Promise<TenantRow[] | null> {
    return decodeTenantMirror(await this.redis.get<string>(this.k.tenants()));
  }

  /** A tenant's meetings now and attendees at the last poll, one round trip. */
  async tenantUsage(tenant: string): Promise<{ meetings: number; attendees: number }> {
    const p = this.redis.pipeline();
    p.hlen(this.k.meetings(tenant));
    p.hget(this.k.attendeeUsage(), tenant);
    const [meetings, attendees] = await p.exec();
    return { meetings: Number(meetings) || 0, attendees: Number(attendees) || 0 };
  }

  async pollStats(): Promise<PollStats> {
    const h = record(await this.redis.hgetall(this.k.pollStats()));
    return {
      last: h.at ? { at: Number(h.at), ms: Number(h.ms ?? 0), servers: Number(h.servers ?? 0), failed: Number(h.failed ?? 0) } : null,
      cycles: Number(h.cycles ?? 0),
      failures: Number(h.failures ?? 0),
    };
  }

  async lastPoll(): Promise<number | null> {
    const v = await this.redis.get<string>(this.k.lastPoll());
    return v ? Number(v) : null;
  }
}
