/**
 * What the CLI test files do around the commands under test: admin API calls straight to the
 * Worker (only the commands under test run as a process) and the simulator's control API.
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { expect, inject } from 'vitest';

export type AdminApi = (p: string, method?: string, body?: unknown) => Promise<any>;

/** The JSON admin API of the Worker at `base()` (known once it started); any error fails the test. */
export function adminApi(base: () => string, token: string): AdminApi {
  return async (p, method = 'GET', body) => {
    const res = await fetch(`${base()}/admin/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, p).toBeLessThan(300);
    return res.json();
  };
}

/** A POST to the simulator's control API (faults, seeds, reset). */
export async function simPost(controlUrl: string, p: string, body: unknown = {}): Promise<void> {
  const res = await fetch(controlUrl + p, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  expect(res.ok).toBe(true);
}

/** No server left over from this file or another one, and the simulated nodes as they started. */
export async function removeAllServers(api: AdminApi, controlUrl: string): Promise<void> {
  await simPost(controlUrl, '/reset');
  for (const s of (await api('/servers')).servers) await api(`/servers/${s.id}`, 'DELETE');
}

/** The test stack's Postgres, for what no admin API call does (seeding, simulating a lost row). */
export function db() {
  const { endpoints } = inject('stack');
  neonConfig.fetchEndpoint = () => endpoints.neonHttpEndpoint;
  return neon(endpoints.databaseUrl);
}
