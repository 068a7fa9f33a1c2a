import type { Config } from '../config.js';

export interface Tenant {
  id: string;
  /** Secrets that sign this tenant's BBB API calls. */
  secrets: readonly string[];
}

export const DEFAULT_TENANT = 'default';

/** Multitenancy comes in a later issue; until then every call belongs to the default tenant. */
export function resolveTenant(cfg: Config): Tenant {
  return { id: DEFAULT_TENANT, secrets: cfg.secrets };
}

/** Tenants whose state the poller and admin API maintain. */
export function knownTenants(): string[] {
  return [DEFAULT_TENANT];
}
