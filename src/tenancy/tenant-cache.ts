import { IsolateCache } from '../isolate-cache.js';
import type { Services } from '../services.js';
import { listTenants, type TenantRow } from '../store/tenants.js';

export interface TenantMaps {
  byId: Map<string, TenantRow>;
  byName: Map<string, TenantRow>;
}

/**
 * Tenants (names, secrets, settings), cached per isolate for SERVER_CACHE_SECONDS as the server
 * list is, with the poller's mirror in Redis for a new isolate while Postgres is down.
 */
const cache = new IsolateCache(
  (rows: TenantRow[]): TenantMaps => ({ byId: new Map(rows.map((r) => [r.id, r])), byName: new Map(rows.map((r) => [r.name, r])) }),
);

export function tenantMap(svc: Services, waitUntil: (p: Promise<unknown>) => void): Promise<TenantMaps> {
  return cache.get(() => listTenants(svc.sql), svc.cfg.serverCacheMs, waitUntil, () => svc.cluster.mirroredTenants());
}

/** Fresh read, for the poller: a tenant created a moment ago must not have its meetings taken for the default tenant's. */
export function freshTenantMap(svc: Services): Promise<TenantMaps> {
  return cache.fresh(() => listTenants(svc.sql));
}

/** After a tenant change in this isolate, the next request reads Postgres again. */
export function invalidateTenants(): void {
  cache.invalidate();
}
