import type { Services } from '../services.js';
import { deleteTenant, tenantHoldings } from '../store/tenants.js';
import { invalidateTenants } from './tenant-cache.js';

/**
 * The one rule for deleting a tenant, for both admin APIs (docs/tenants.md): running meetings,
 * recordings (not deleted) and uploads in progress keep it; its meeting history, callback URLs
 * and callback deliveries go with it.
 */
export type Removal = { outcome: 'removed' } | { outcome: 'missing' } | { outcome: 'in_use'; reason: string };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function removeTenant(svc: Services, id: string): Promise<Removal> {
  const [live, held] = await Promise.all([svc.cluster.tenantUsage(id), tenantHoldings(svc.sql, id)]);
  const holds = [
    live.meetings > 0 && plural(live.meetings, 'running meeting'),
    held.recordings > 0 && plural(held.recordings, 'recording'),
    held.uploads > 0 && plural(held.uploads, 'recording upload') + ' in progress',
  ].filter((h): h is string => typeof h === 'string');
  const inUse = (what: string): Removal => ({ outcome: 'in_use', reason: `The tenant still has ${what}: end its meetings and delete its recordings first` });
  if (holds.length > 0) return inUse(holds.join(', '));
  const result = await deleteTenant(svc.sql, id);
  if (result === 'referenced') return inUse('a recording that arrived meanwhile');
  if (result === 'missing') return { outcome: 'missing' };
  invalidateTenants();
  return { outcome: 'removed' };
}
