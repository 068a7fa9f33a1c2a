import type { Redis } from './redis.js';
import { keys, tagKey } from './keys.js';
import { POLL_APPLY } from './lua/poll-apply.js';
import type { ServerRow } from './servers.js';

export interface ServerHealth {
  online: boolean;
  load: number | null;
  meetings: number;
  users: number;
  largestMeeting: number;
  videos: number;
  polledAt: number | null;
  lastError: string;
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
  };
}

export interface SnapshotWrite {
  tenant: string;
  server: string;
  /** JSON of the server's meetings; null drops the entry. */
  json: string | null;
}

export interface FoundMeeting {
  tenant: string;
  meetingID: string;
  server: string;
}

/** HGETALL as the REST client returns it without deserialization: a flat [field, value, …] list. */
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
    private readonly ns: string,
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
    thresholds: { healthy: number; unhealthy: number };
    servers: PolledServer[];
    tags: string[];
    tenants: string[];
    snapshots?: SnapshotWrite[];
    found?: FoundMeeting[];
  }): Promise<void> {
    const args: string[] = [this.ns, String(opts.now), String(opts.routeTtlSeconds), opts.full ? '1' : '0'];
    args.push(String(opts.thresholds.healthy), String(opts.thresholds.unhealthy));
    args.push(String(opts.servers.length));
    for (const { server: s, result: r } of opts.servers) {
      args.push(s.id, s.state, s.tag ?? '', String(s.loadMultiplier), r ? '1' : '0', r?.online ? '1' : '0');
      args.push(String(r?.load ?? 0), String(r?.meetings ?? 0), String(r?.users ?? 0));
      args.push(String(r?.largestMeeting ?? 0), String(r?.videos ?? 0), r?.error ?? '');
    }
    const tags = [...new Set(['none', ...opts.tags.map(tagKey)])];
    args.push(String(tags.length), ...tags, String(opts.tenants.length), ...opts.tenants);
    const snapshots = opts.snapshots ?? [];
    args.push(String(snapshots.length));
    for (const s of snapshots) args.push(s.tenant, s.server, s.json ?? '');
    const found = opts.found ?? [];
    args.push(String(found.length));
    for (const f of found) args.push(f.tenant, f.meetingID, f.server);
    await this.redis.eval(POLL_APPLY, [], args);
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

  /** Overlapping cron runs must not poll twice. */
  async acquirePollLock(token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k.pollLock(), token, { nx: true, px: ttlMs })) === 'OK';
  }

  async releasePollLock(token: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      [this.k.pollLock()],
      [token],
    );
  }

  async lastPoll(): Promise<number | null> {
    const v = await this.redis.get<string>(this.k.lastPoll());
    return v ? Number(v) : null;
  }
}
