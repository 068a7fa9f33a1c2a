// Degraded modes: Postgres or Redis out of reach, and nodes that misbehave in every way the
// simulator can. Each must give a clear BBB answer quickly and never stall the rest.
import { env } from 'cloudflare:workers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { insertTenant } from '../../src/store/tenants';
import { invalidateTenants } from '../../src/tenancy/tenant-cache';
import { bbb, call, counters, nodes, quietNow, registerServers, resetAll, resetTenants, runPoll, sim, startCounting, type Xml } from './support';

beforeEach(resetAll);

/** The bridge cannot open this database: every Postgres query fails. */
const PG_DOWN = { DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:5432/no_such_database' };
/** Nothing listens there: every Redis round trip fails. */
const REDIS_DOWN = { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' };
// Offline after one failed poll, so the test sees the fault's whole effect in one cycle.
const quick = { CONNECT_TIMEOUT: '0.5', RESPONSE_TIMEOUT: '0.5', SERVER_UNHEALTHY_THRESHOLD: '1' };

const join = (meetingID: string, o: Record<string, string> = {}) => bbb('join', { meetingID, fullName: 'Ann', role: 'VIEWER' }, { env: o });

describe('Postgres unreachable', () => {
  async function expectRoutingWorks(o: Record<string, string>) {
    expect((await join('pg-1', o)).status).toBe(302);
    expect(await call('isMeetingRunning', { meetingID: 'pg-1' }, { env: o })).toMatchObject({ returncode: 'SUCCESS' });
    expect(await call('getMeetingInfo', { meetingID: 'pg-1' }, { env: o })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'pg-1' });
    expect(((await call('getMeetings', {}, { env: o })).meetings.meeting as Xml[]).map((m) => m.meetingID)).toEqual(['pg-1']);
    const again = await call('create', { meetingID: 'pg-1', name: 'Room' }, { env: o });
    expect(again).toMatchObject({ returncode: 'SUCCESS', messageKey: 'duplicateWarning' });
  }

  it('join, isMeetingRunning, getMeetingInfo, getMeetings and create of an existing meeting work from the isolate cache', async () => {
    await registerServers(2);
    await call('create', { meetingID: 'pg-1', name: 'Room' });
    await runPoll();
    await expectRoutingWorks({ ...PG_DOWN, SERVER_CACHE_SECONDS: '0' });
  });

  it('an isolate without a cached copy falls back to the Redis mirror', async () => {
    await registerServers(2);
    await call('create', { meetingID: 'pg-1', name: 'Room' });
    await runPoll();
    invalidateServers();
    await expectRoutingWorks(PG_DOWN);
  });
});

describe('Postgres unreachable, with multitenancy', () => {
  const MT = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' };
  const down = { ...MT, ...PG_DOWN };
  const alpha = { host: 'alpha', secret: 'alpha-secret', env: down };

  beforeEach(async () => {
    await resetTenants();
    await insertTenant(services(env).sql, { name: 'alpha', secrets: ['alpha-secret'] });
    await insertTenant(services(env).sql, { name: 'beta', secrets: ['beta-secret'], enabled: false });
    await registerServers(1);
  });
  afterAll(resetTenants);

  /** A new isolate: nothing cached, so tenants and servers come from Postgres or the mirror. */
  function coldIsolate() {
    invalidateTenants();
    invalidateServers();
  }

  it('the poll mirrors the tenants in its apply round trip; a cold isolate serves them from it', async () => {
    await startCounting();
    await runPoll(MT, quietNow());
    expect(await counters()).toEqual({ redis: 4, postgres: 2 });
    coldIsolate();
    expect(await call('create', { meetingID: 'mt-1', name: 'Room' }, alpha)).toMatchObject({ returncode: 'SUCCESS', meetingID: 'mt-1' });
    expect((await bbb('join', { meetingID: 'mt-1', fullName: 'Ann', role: 'VIEWER' }, alpha)).status).toBe(302);
    expect(await call('getMeetingInfo', { meetingID: 'mt-1' }, alpha)).toMatchObject({ returncode: 'SUCCESS', meetingID: 'mt-1' });
    // Unknown and disabled tenants are refused as they are with Postgres up.
    expect(await call('getMeetings', {}, { ...alpha, host: 'gamma' })).toMatchObject({ messageKey: 'checksumError' });
    expect(await call('getMeetings', {}, { host: 'beta', secret: 'beta-secret', env: down })).toMatchObject({ messageKey: 'checksumError' });
  });

  it('without a mirror (Redis flushed) a cold isolate answers internalError, never a misleading checksumError', async () => {
    await runPoll(MT);
    await services(env).redis.flushdb();
    coldIsolate();
    const res = await bbb('getMeetings', {}, alpha);
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('<messageKey>internalError</messageKey>');
    expect(body).not.toMatch(/no_such_database|nobody|stack|Error:/);
  });

  it('a poll without multitenancy mirrors no tenants', async () => {
    await runPoll();
    expect(await services(env).cluster.mirroredTenants()).toBeNull();
  });
});

describe('Redis unreachable', () => {
  it('every call that needs Redis answers a BBB error, never a 500', async () => {
    await registerServers(1);
    for (const [name, params] of [
      ['join', { meetingID: 'rd-1', fullName: 'Ann', role: 'VIEWER' }],
      ['create', { meetingID: 'rd-1', name: 'Room' }],
      ['isMeetingRunning', { meetingID: 'rd-1' }],
      ['getMeetingInfo', { meetingID: 'rd-1' }],
      ['getMeetings', {}],
      ['end', { meetingID: 'rd-1' }],
    ] as const) {
      const res = await bbb(name, params, { env: REDIS_DOWN });
      expect(res.status, name).toBe(200);
      const body = await res.text();
      expect(body, name).toContain('<returncode>FAILED</returncode>');
      expect(body, name).toContain('<messageKey>internalError</messageKey>');
      expect(body, name).not.toMatch(/127\.0\.0\.1:9|stack|Error:/);
    }
  });

  it('the poller fails the cycle and the next one works once Redis is back', async () => {
    await registerServers(1);
    await expect(runPoll(REDIS_DOWN)).rejects.toThrow();
    const report = await runPoll();
    expect(report).toMatchObject({ servers: 1, online: 1 });
  });
});

describe('node faults never stall the others or the request in flight', () => {
  const faults: Record<string, unknown>[] = [
    { type: 'timeout' },
    { type: 'http500' },
    { type: 'html' },
    { type: 'malformed' },
    { type: 'refuse' },
    { type: 'hostile', variant: 'both' },
    { type: 'huge', sizeBytes: 40 * 1024 * 1024 },
    { type: 'noReturncode' },
    { type: 'slow', delayMs: 5000 },
  ];
  for (const f of faults) {
    it(`${f.type}${f.variant ? ` (${f.variant})` : ''}`, async () => {
      await registerServers(3);
      await call('create', { meetingID: 'nf-1', name: 'Room' });
      const loc = (await join('nf-1')).headers.get('location') ?? '';
      const bad = nodes.findIndex((n) => loc.startsWith(`${n.url}/`));
      await sim(`/nodes/${nodes[bad]!.id}/fault`, { body: f });
      const started = Date.now();
      const report = await runPoll(quick);
      expect(report.online).toBe(2);
      expect(Date.now() - started).toBeLessThan(4_000);
      const t = Date.now();
      const info = await call('getMeetingInfo', { meetingID: 'nf-1' }, { env: { ...quick, MEETING_INFO_CACHE_SECONDS: '0' } });
      expect(info).toMatchObject({ returncode: 'FAILED' });
      expect(Date.now() - t).toBeLessThan(3_000);
      // The other servers still take new meetings.
      expect(await call('create', { meetingID: 'nf-2', name: 'Room' }, { env: quick })).toMatchObject({ returncode: 'SUCCESS' });
    }, 20_000);
  }
});

describe('overlapping cron runs', () => {
  it('poll once under the lock; the lock expires if its holder dies', async () => {
    await registerServers(1);
    const svc = services(env);
    expect(await svc.cluster.acquirePollLock('dead-holder', 200)).toBe(true);
    expect((await runPoll()).skipped).toBe('locked');
    await new Promise((r) => setTimeout(r, 300));
    expect((await runPoll()).skipped).toBeUndefined();
  });
});
