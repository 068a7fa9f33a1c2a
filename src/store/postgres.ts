import { neon, neonConfig, type NeonQueryFunction } from '@neondatabase/serverless';
import type { Config } from '../config.js';

export type Sql = NeonQueryFunction<false, false>;

/**
 * Single statements and batches go over Neon's HTTP endpoint: no connection to keep, and nothing
 * shared across requests (workerd forbids reusing a socket from another request).
 */
export function createSql(cfg: Pick<Config, 'databaseUrl' | 'neonHttpEndpoint' | 'neonWsProxy'>): Sql {
  // Locally the Neon driver talks to the dev/test bridges instead of Neon's cloud endpoints.
  if (cfg.neonHttpEndpoint) neonConfig.fetchEndpoint = cfg.neonHttpEndpoint;
  if (cfg.neonWsProxy) {
    neonConfig.wsProxy = cfg.neonWsProxy;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  return neon(cfg.databaseUrl);
}
