import type { Config } from '../config.js';
import type { Services } from '../services.js';
import type { TenantRow } from '../store/tenants.js';
import type { TenantSettings } from '../tenant-settings.js';
import { freshTenantMap, tenantMap, type TenantMaps } from './tenant-cache.js';
import { DEFAULT_TENANT, DNS_LABEL } from '../ids.js';

export interface Tenant {
  id: string;
  name: string;
  /** Secrets that sign this tenant's BBB API calls. */
  secrets: readonly string[];
  settings: TenantSettings;
}

export { DEFAULT_TENANT };

/** Why tenants cannot be written while multitenancy is off (they would never be used). */
export const MULTITENANCY_DISABLED = 'Multitenancy is disabled: set MULTITENANCY_ENABLED=true on the balancer to manage tenants';

/** Everything belongs to it while multitenancy is off; its secrets are LOADBALANCER_SECRET(S). */
export function defaultTenant(cfg: Config): Tenant {
  return { id: DEFAULT_TENANT, name: DEFAULT_TENANT, secrets: cfg.secrets, settings: {} };
}

/**
 * The tenant a request is for. Without multitenancy, the default tenant. With it, as Scalelite:
 * the first DNS label of the host names the tenant (and with URL_HOST set, the host must be a
 * subdomain of it); an unknown or disabled tenant is null, which the BBB API answers with
 * checksumError.
 */
export async function resolveTenant(svc: Services, host: string | undefined, waitUntil: (p: Promise<unknown>) => void): Promise<Tenant | null> {
  if (!svc.cfg.multitenancy) return defaultTenant(svc.cfg);
  const name = tenantLabel(host ?? '', svc.cfg.urlHost);
  if (!name) return null;
  const row = (await tenantMap(svc, waitUntil)).byName.get(name);
  return row && row.enabled ? toTenant(row) : null;
}

/** A tenant by id (callbacks, recordings); the default tenant keeps the global secrets. */
export async function tenantById(svc: Services, id: string, waitUntil: (p: Promise<unknown>) => void): Promise<Tenant | null> {
  if (id === DEFAULT_TENANT || !svc.cfg.multitenancy) return id === DEFAULT_TENANT ? defaultTenant(svc.cfg) : null;
  const row = (await tenantMap(svc, waitUntil)).byId.get(id);
  return row ? toTenant(row) : null;
}

export function tenantLabel(host: string, urlHost: string): string | null {
  const bare = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const base = urlHost.toLowerCase().replace(/:\d+$/, '');
  if (base && !bare.endsWith(`.${base}`)) return null;
  const label = bare.split('.')[0] ?? '';
  return DNS_LABEL.test(label) ? label : null;
}

const toTenant = (row: TenantRow): Tenant => ({ id: row.id, name: row.name, secrets: row.secrets, settings: row.settings });

/**
 * Tenants whose state the poller and admin API maintain: the default one, plus every configured
 * tenant. `fresh` reads Postgres now (the poller: it must know every prefix it may meet).
 */
export async function knownTenants(svc: Services, o: { fresh?: boolean } = {}): Promise<string[]> {
  if (!svc.cfg.multitenancy) return [DEFAULT_TENANT];
  return tenantIds(o.fresh ? await freshTenantMap(svc) : await tenantMap(svc, () => undefined));
}

/**
 * The poller's fresh read: the tenants it may meet (as knownTenants) and, with multitenancy, the
 * rows it mirrors into Redis for isolates that start while Postgres is down.
 */
export async function polledTenants(svc: Services): Promise<{ ids: string[]; mirror?: TenantRow[] }> {
  if (!svc.cfg.multitenancy) return { ids: [DEFAULT_TENANT] };
  const map = await freshTenantMap(svc);
  return { ids: tenantIds(map), mirror: [...map.byId.values()] };
}

const tenantIds = (map: TenantMaps) => [DEFAULT_TENANT, ...[...map.byId.keys()].filter((id) => id !== DEFAULT_TENANT)];
