import { listServers, type ServerRow } from '../store/servers.js';
import type { Sql } from '../store/postgres.js';

/**
 * Server configuration (url, secret, tag, state) read from Postgres at most every few seconds
 * per isolate, not per request. A stale copy keeps serving while a refresh runs in the
 * background, and when Postgres is unreachable; an isolate without a copy then falls back to the
 * mirror in Redis, so routing keeps working while Postgres is down.
 */
interface Cached {
  at: number;
  byId: Map<string, ServerRow>;
}

let cached: Cached | undefined;
let refreshing: Promise<Cached> | undefined;

function refresh(sql: Sql): Promise<Cached> {
  refreshing ??= listServers(sql)
    .then((rows) => (cached = { at: Date.now(), byId: new Map(rows.map((r) => [r.id, r])) }))
    .finally(() => (refreshing = undefined));
  return refreshing;
}

/** How long a request without a cached copy waits for Postgres before using the mirror. */
const COLD_READ_MS = 2000;

export async function serverMap(
  sql: Sql,
  maxAgeMs: number,
  waitUntil: (p: Promise<unknown>) => void,
  /** Where to read the configuration when Postgres is down and nothing is cached (routing paths). */
  mirror?: () => Promise<ServerRow[]>,
): Promise<Map<string, ServerRow>> {
  if (!cached) {
    if (!mirror) return (await refresh(sql)).byId;
    const fresh = refresh(sql);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('Postgres is slow')), COLD_READ_MS)));
    try {
      return (await Promise.race([fresh, slow])).byId;
    } catch {
      waitUntil(fresh.catch(() => undefined));
      const rows = await mirror();
      // Counted as already stale, so the next request tries Postgres again in the background.
      cached ??= { at: 0, byId: new Map(rows.map((r) => [r.id, r])) };
      return cached.byId;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
  if (Date.now() - cached.at > maxAgeMs) {
    // Swallowed: a failed refresh leaves the stale copy in place and is retried next time.
    waitUntil(refresh(sql).catch(() => undefined));
  }
  return cached.byId;
}

/** Fresh read, for the poller and the admin API, which must see the latest configuration. */
export async function freshServerMap(sql: Sql): Promise<Map<string, ServerRow>> {
  return (await refresh(sql)).byId;
}

/** After an admin change in this isolate, the next request reads Postgres again. */
export function invalidateServers(): void {
  cached = undefined;
}
