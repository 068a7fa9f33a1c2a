import type { Config } from '../config.js';

export interface Tenant {
  id: string;
  /** Secrets that sign this tenant's BBB API calls. */
  secrets: readonly string[];
}

/** Multitenancy comes in a later issue; until then every call belongs to the default tenant. */
export function resolveTenant(cfg: Config): Tenant {
  return { id: 'default', secrets: cfg.secrets };
}

/** Tenants whose state the poller and admin API maintain. */
export function knownTenants(): string[] {
  return ['default'];
}
