import type { Services } from '../services.js';
import { listTenants, type TenantRow } from '../store/tenants.js';

/**
 * Tenants (names, secrets, settings) read from Postgres at most every SERVER_CACHE_SECONDS per
 * isolate, as the server list is; a stale copy keeps serving while a refresh runs, and while
 * Postgres is unreachable.
 */
interface Cached {
  at: number;
  byId: Map<string, TenantRow>;
  byName: Map<string, TenantRow>;
}

let cached: Cached | undefined;
let refreshing: Promise<Cached> | undefined;

function refresh(svc: Services): Promise<Cached> {
  refreshing ??= listTenants(svc.sql)
    .then((rows) => (cached = { at: Date.now(), byId: new Map(rows.map((r) => [r.id, r])), byName: new Map(rows.map((r) => [r.name, r])) }))
    .finally(() => (refreshing = undefined));
  return refreshing;
}

export async function tenantMap(svc: Services, waitUntil: (p: Promise<unknown>) => void): Promise<Cached> {
  if (!cached) return refresh(svc);
  if (Date.now() - cached.at > svc.cfg.serverCacheMs) waitUntil(refresh(svc).catch(() => undefined));
  return cached;
}

/** Fresh read, for the poller: a tenant created a moment ago must not have its meetings taken for the default tenant's. */
export function freshTenantMap(svc: Services): Promise<Cached> {
  return refresh(svc);
}

/** After a tenant change in this isolate, the next request reads Postgres again. */
export function invalidateTenants(): void {
  cached = undefined;
}
