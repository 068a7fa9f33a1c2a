// The admin API when something is broken: a clear JSON error with the right status, never a 500.
import { beforeEach, describe, expect, it } from 'vitest';
import { call, nodes, registerServers, resetAll, sim } from './support';
import { ADMIN_ENV, v1 } from './admin-v1-support';

beforeEach(resetAll);

const REDIS_DOWN = { ...ADMIN_ENV, UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' };
const PG_DOWN = { ...ADMIN_ENV, DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:5432/no_such_database' };

describe('admin API v1: degraded', () => {
  it("a meeting's server failing: 502 node_error", async () => {
    await registerServers(1);
    await call('create', { meetingID: 'f-1', name: 'Room' });
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'http500' } });
    const env = { ...ADMIN_ENV, MEETING_INFO_CACHE_SECONDS: '0', CONNECT_TIMEOUT: '0.5', RESPONSE_TIMEOUT: '0.5' };
    const res = await v1('GET', '/meetings/f-1', undefined, { env });
    expect(res).toMatchObject({ status: 502, json: { error: { code: 'node_error' } } });
    expect(res.text).not.toContain(nodes[0]!.secret);
  });

  it('storage out of reach: 503 unavailable without details; an invalid configuration: 503 invalid_configuration', async () => {
    for (const [env, path] of [[REDIS_DOWN, '/meetings'], [PG_DOWN, '/tenants'], [PG_DOWN, '/recordings']] as const) {
      const res = await v1('GET', path, undefined, { env });
      expect(res, path).toMatchObject({ status: 503, json: { error: { code: 'unavailable' } } });
      expect(res.text).not.toMatch(/postgres:|127\.0\.0\.1|nobody/);
    }
    expect(await v1('GET', '/servers', undefined, { env: { ...ADMIN_ENV, POLL_CONCURRENCY: 'many' } })).toMatchObject({
      status: 503,
      json: { error: { code: 'invalid_configuration' } },
    });
  }, 30_000);
});
