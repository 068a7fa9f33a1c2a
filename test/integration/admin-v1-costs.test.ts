// Round trips per admin call, counted at the bridges: the dashboard polls these lists, so each
// is one read per store whatever the number of servers, meetings or recordings.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { call, counters, nodes, registerServers, resetAll, resetTenants, startCounting } from './support';
import { seed } from './recordings-api-support';
import { tenantV1 as v1 } from './admin-v1-support';

beforeEach(async () => {
  await resetAll();
  await resetTenants();
});
// Other files delete tenants without clearing what references them: leave none behind.
afterAll(resetTenants);

async function cost(method: string, path: string, body?: unknown) {
  await startCounting();
  const res = await v1(method, path, body);
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return counters();
}

describe('admin API v1: round trips', () => {
  it('lists and reads: at most one Postgres and one Redis round trip each', async () => {
    await registerServers(3);
    for (const id of ['m1', 'm2', 'm3']) await call('create', { meetingID: id, name: 'Room' });
    for (const n of [1, 2, 3]) await seed({ recordID: `cost-${n}` });
    expect(await cost('GET', '/servers')).toEqual({ postgres: 1, redis: 1 });
    expect(await cost('GET', '/meetings')).toEqual({ postgres: 0, redis: 1 });
    expect(await cost('GET', '/recordings?limit=10')).toEqual({ postgres: 1, redis: 0 });
    expect(await cost('GET', '/tenants')).toEqual({ postgres: 1, redis: 0 });
    expect(await cost('GET', '/callbacks')).toEqual({ postgres: 1, redis: 0 });
    expect(await cost('GET', '/settings')).toEqual({ postgres: 0, redis: 0 });
  });

  it('export reads two tables; a dry-run import reads them and writes nothing', async () => {
    await v1('POST', '/servers', { url: nodes[0]!.url, secret: nodes[0]!.secret });
    await v1('POST', '/tenants', { name: 'acme', secrets: ['s'] });
    expect(await cost('GET', '/config/export')).toEqual({ postgres: 2, redis: 0 });
    const doc = (await v1('GET', '/config/export')).json;
    expect(await cost('POST', '/config/import?dryRun=true', doc)).toEqual({ postgres: 2, redis: 0 });
    expect(await cost('POST', '/config/import', doc)).toEqual({ postgres: 2, redis: 0 });
  });

  it('an import that creates: a few round trips per item, none for unchanged ones', async () => {
    const doc = {
      version: 1,
      servers: nodes.slice(0, 2).map((n) => ({ url: n.url, secret: n.secret, state: 'enabled' })),
      tenants: [{ name: 'acme', secrets: ['a'] }, { name: 'globex', secrets: ['g'] }],
    };
    // Reads 2; per enabled server: insert, update to enabled, each mirrored (re-read + one Redis write); per tenant: insert, read back;
    // with multitenancy (tenants are written only then), the first mirror reads the tenant list once.
    expect(await cost('POST', '/config/import', doc)).toEqual({ postgres: 2 + 2 * 4 + 2 * 2 + 1, redis: 2 * 2 });
    expect(await cost('POST', '/config/import', doc)).toEqual({ postgres: 2, redis: 0 });
  });
});
