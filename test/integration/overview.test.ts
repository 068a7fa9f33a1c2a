import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { keys } from '../../src/store/keys';
import { invalidateTenants } from '../../src/tenancy/tenant-cache';
import { ADMIN_ENV, MT_ADMIN_ENV, v1 } from './admin-v1-support';
import { call, counters, nodes, registerServers, resetAll, resetTenants, runPoll, sim, startCounting, totalNodeCalls } from './support';

const overview = async (o = {}) => (await v1('GET', '/overview', undefined, o)).json;

beforeEach(async () => {
  await resetAll();
  await resetTenants();
});

describe('GET /admin/v1/overview', () => {
  it("lists every meeting from the last poll, and the servers' totals agree with it", async () => {
    const ids = await registerServers(2);
    await call('create', { meetingID: 'o-1', name: 'Room one' });
    await call('create', { meetingID: 'o-2', name: 'Room two', record: 'true' });
    const where = await Promise.all(['o-1', 'o-2'].map(async (id) => ((await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings.some((m: any) => m.meetingID === id) ? 0 : 1)));
    await sim(`/nodes/${nodes[where[0]!]!.id}/meetings/o-1/users`, { body: { fullName: 'Ann', role: 'VIEWER', video: true } });
    await runPoll();

    const o = await overview();
    expect(o.readiness.status).toBe('ready');
    expect(o.poll).toMatchObject({ servers: 2, failed: 0 });
    expect(Date.parse(o.readAt)).toBeGreaterThanOrEqual(Date.parse(o.poll.at));
    const byId = Object.fromEntries(o.meetings.map((m: any) => [m.meetingID, m]));
    expect(byId['o-1']).toMatchObject({ tenant: 'default', tenantName: 'default', meetingName: 'Room one', server: ids[where[0]!], participants: 1, videoStreams: 1, recording: false });
    expect(byId['o-2']).toMatchObject({ server: ids[where[1]!], participants: 0, recording: true, createTime: expect.any(Number) });
    for (const s of o.servers) {
      const mine = o.meetings.filter((m: any) => m.server === s.id);
      expect([s.health.meetings, s.health.users]).toEqual([mine.length, mine.reduce((n: number, m: any) => n + m.participants, 0)]);
    }
    // No capacity set: the headroom is unknown, not guessed.
    expect(o.headroom).toEqual({ users: null, meetings: null });
  });

  it("headroom: what is left if the largest server in service is lost, from the servers' capacities", async () => {
    const ids = await registerServers(2);
    await v1('PATCH', `/servers/${ids[0]}`, { capacityUsers: 100, capacityMeetings: 10 });
    await v1('PATCH', `/servers/${ids[1]}`, { capacityUsers: 40, capacityMeetings: 4 });
    await call('create', { meetingID: 'h-1', name: 'Room' });
    await runPoll();
    // Losing the 100-user server leaves the 40-user one, which must carry the pool's one meeting.
    expect((await overview()).headroom).toEqual({ users: 40, meetings: 3 });
  });

  it('says what is unready: a stale poll', async () => {
    await registerServers(1);
    const svc = services(env);
    await svc.redis.set(keys(svc.cfg.redis.namespace).lastPoll(), String(Date.now() - 3_600_000));
    const o = await overview();
    expect(o.readiness.status).toBe('unready');
    expect(o.readiness.checks.poll).toMatchObject({ ok: false, error: 'polling is stale', ageSeconds: expect.any(Number) });
  });

  it("every tenant's meetings, under the ids its LMS gave them", async () => {
    await registerServers(1);
    for (const name of ['acme', 'beta']) await v1('POST', '/tenants', { name, secrets: [`${name}-secret`] }, { env: MT_ADMIN_ENV });
    invalidateTenants();
    const mt = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' };
    for (const name of ['acme', 'beta']) {
      const created = await call('create', { meetingID: 'same-id', name: `${name} room` }, { env: mt, host: name, secret: `${name}-secret` });
      expect(created).toMatchObject({ returncode: 'SUCCESS' });
    }
    await runPoll(mt);
    const o = await overview({ env: MT_ADMIN_ENV });
    expect(o.meetings.map((m: any) => [m.tenantName, m.meetingID, m.meetingName]).sort()).toEqual([
      ['acme', 'same-id', 'acme room'],
      ['beta', 'same-id', 'beta room'],
    ]);
  });

  it('costs Postgres 5 and Redis 5 round trips, whatever the number of tenants and meetings; no BBB node', async () => {
    await registerServers(2);
    for (const name of ['acme', 'beta', 'gamma']) await v1('POST', '/tenants', { name, secrets: [`${name}-secret`] }, { env: MT_ADMIN_ENV });
    await overview({ env: MT_ADMIN_ENV });
    await startCounting();
    await overview({ env: MT_ADMIN_ENV });
    expect({ ...(await counters()), backend: await totalNodeCalls() }).toEqual({ postgres: 5, redis: 5, backend: 0 });
    await startCounting();
    await overview();
    expect(await counters()).toEqual({ postgres: 5, redis: 5 });
  });

  it('storage out of reach: the overview still answers, saying what it could not read', async () => {
    const ids = await registerServers(2);
    await call('create', { meetingID: 'd-1', name: 'Room' });
    await runPoll();
    const pgDown = await v1('GET', '/overview', undefined, { env: { ...ADMIN_ENV, DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:5432/no_such_database' } });
    expect(pgDown.status).toBe(200);
    expect(pgDown.json.readiness.checks.postgres).toEqual({ ok: false, error: 'postgres unreachable' });
    expect(pgDown.json.unavailable).toEqual(expect.arrayContaining(['pending uploads', 'recordings and callbacks', 'history']));
    // The servers as the poll mirrored them, and the meetings from Redis: the pool is still seen.
    expect(pgDown.json.servers.map((s: any) => s.id).sort()).toEqual([...ids].sort());
    expect(pgDown.json.meetings.map((m: any) => m.meetingID)).toEqual(['d-1']);
    expect(pgDown.text).not.toMatch(/nobody|no_such_database/);

    const redisDown = await v1('GET', '/overview', undefined, { env: { ...ADMIN_ENV, UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' } });
    expect(redisDown.status).toBe(200);
    expect(redisDown.json.readiness.checks.redis.ok).toBe(false);
    expect(redisDown.json.unavailable).toEqual(expect.arrayContaining(['poll', 'servers', 'meetings']));
    expect(redisDown.json.poll).toEqual({ at: null, ms: null, servers: null, failed: null });
  }, 30_000);

  it("a server's history; an unknown server is 404", async () => {
    const [id] = await registerServers(1);
    expect((await v1('GET', `/servers/${id}/history`)).json).toEqual({ server: id, samples: [] });
    expect((await v1('GET', '/servers/nope/history')).status).toBe(404);
  });
});
