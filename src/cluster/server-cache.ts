import { listServers, type ServerRow } from '../store/servers.js';
import type { Sql } from '../store/postgres.js';

/**
 * Server configuration (url, secret, tag, state) read from Postgres at most every few seconds
 * per isolate, not per request. A stale copy keeps serving while a refresh runs in the
 * background, and when Postgres is unreachable.
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

export async function serverMap(
  sql: Sql,
  maxAgeMs: number,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Map<string, ServerRow>> {
  if (!cached) return (await refresh(sql)).byId;
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
