import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CounterBatch } from '../../src/observability/counters';
import { services } from '../../src/services';
import { createRedis } from '../../src/store/redis';
import { MetricsStore } from '../../src/store/metrics';
import { counters, resetAll, resetCounters } from './support';

beforeEach(resetAll);
afterEach(() => vi.restoreAllMocks());

const JOIN = 'scaleflare_api_requests_total{call="join",result="SUCCESS"}';
const store = () => new MetricsStore(services(env).redis, 'scaleflare');

/** Collects what a batch hands to waitUntil. */
function waitUntil() {
  const handed: Promise<unknown>[] = [];
  return { handed, fn: (p: Promise<unknown>) => void handed.push(p) };
}

describe('isolate counter batches (real Redis)', () => {
  it('flush at most once per interval, as one round trip, and never with nothing to write', async () => {
    const batch = new CounterBatch(store(), 5000, 0);
    const w = waitUntil();
    batch.flushIfDue(w.fn, 10_000);
    expect(w.handed).toHaveLength(0);
    for (let i = 0; i < 3; i++) batch.add('scaleflare_api_requests_total', { call: 'join', result: 'SUCCESS' });
    batch.add('scaleflare_join_redirects_total', { server: 's-1' });
    batch.flushIfDue(w.fn, 4999);
    expect(w.handed).toHaveLength(0);
    await resetCounters();
    batch.flushIfDue(w.fn, 5000);
    expect(w.handed).toHaveLength(1);
    await Promise.all(w.handed);
    expect((await counters()).redis).toBe(1);
    batch.add('scaleflare_api_requests_total', { call: 'join', result: 'SUCCESS' });
    batch.flushIfDue(w.fn, 9999);
    expect(w.handed).toHaveLength(1);
    const totals = await store().totals(new Map());
    expect(totals.get(JOIN)).toBe(3);
    expect(totals.get('scaleflare_join_redirects_total{server="s-1"}')).toBe(1);
    // A scrape adds what the isolate still holds, in the same round trip.
    await resetCounters();
    expect((await batch.totals()).get(JOIN)).toBe(4);
    expect((await counters()).redis).toBe(1);
    expect((await store().totals(new Map())).get(JOIN)).toBe(4);
  });

  it('several isolates add up', async () => {
    const a = new CounterBatch(store(), 1000, 0);
    const b = new CounterBatch(store(), 1000, 0);
    const w = waitUntil();
    a.add('scaleflare_placement_failures_total', { reason: 'no_server' });
    b.add('scaleflare_placement_failures_total', { reason: 'no_server' });
    a.flushIfDue(w.fn, 1000);
    b.flushIfDue(w.fn, 1000);
    await Promise.all(w.handed);
    expect((await store().totals(new Map())).get('scaleflare_placement_failures_total{reason="no_server"}')).toBe(2);
  });

  it('a failed flush is logged without details of the store, never rejects, and keeps the counts', async () => {
    const cfg = { ...services(env).cfg, redis: { ...services(env).cfg.redis, url: 'http://127.0.0.1:1' } };
    const batch = new CounterBatch(new MetricsStore(createRedis(cfg), 'scaleflare'), 1000, 0);
    const lines: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((l: unknown) => void lines.push(String(l)));
    const w = waitUntil();
    batch.add('scaleflare_api_requests_total', { call: 'join', result: 'SUCCESS' });
    batch.flushIfDue(w.fn, 1000);
    await expect(Promise.all(w.handed)).resolves.toBeDefined();
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([{ level: 'warn', msg: 'metrics flush failed' }]);
    expect(lines.join()).not.toContain(cfg.redis.token);
    // Still pending: the scrape tries to write it again (and fails the same way here).
    await expect(batch.totals()).rejects.toThrow();
  });
});
