import { IsolateCache } from '../isolate-cache.js';
import { listServers, type ServerRow } from '../store/servers.js';
import type { Sql } from '../store/postgres.js';

/** Server configuration (url, secret, tag, state), cached per isolate (src/isolate-cache.ts). */
const cache = new IsolateCache((rows: ServerRow[]) => new Map(rows.map((r) => [r.id, r])));

export function serverMap(
  sql: Sql,
  maxAgeMs: number,
  waitUntil: (p: Promise<unknown>) => void,
  /** Where to read the configuration when Postgres is down and nothing is cached (routing paths). */
  mirror?: () => Promise<ServerRow[]>,
): Promise<Map<string, ServerRow>> {
  return cache.get(() => listServers(sql), maxAgeMs, waitUntil, mirror);
}

/** Fresh read, for the poller and the admin API, which must see the latest configuration. */
export function freshServerMap(sql: Sql): Promise<Map<string, ServerRow>> {
  return cache.fresh(() => listServers(sql));
}

/** After an admin change in this isolate, the next request reads Postgres again. */
export function invalidateServers(): void {
  cache.invalidate();
}
