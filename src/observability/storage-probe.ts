import type { Services } from '../services.js';
import { family } from './catalogue.js';
import { within } from './deadline.js';
import { describeError, log } from './log.js';
import type { Family } from './prometheus.js';

/** Each probe gets this long; they run at once, so a scrape or /health/ready waits about as much. */
export const PROBE_TIMEOUT_MS = 2000;

export interface Probe {
  ok: boolean;
  /** The round trip when it answered. */
  seconds?: number;
}

/** Runs one bounded probe and times it; a failure is logged with its cause and answered as not ok. */
export async function probe(name: string, work: () => Promise<unknown>): Promise<Probe> {
  const started = Date.now();
  try {
    await within(PROBE_TIMEOUT_MS, work(), name);
    return { ok: true, seconds: (Date.now() - started) / 1000 };
  } catch (e) {
    log('warn', 'readiness check failed', { check: name, error: describeError(e) });
    return { ok: false };
  }
}

/**
 * Postgres (`SELECT 1` over Neon's HTTP endpoint), Redis (PING) and R2 (a HEAD of a key that is
 * never written), at once: one round trip to each, at scrape time only.
 */
export async function storageFamilies(svc: Services): Promise<Family[]> {
  const stores = {
    postgres: () => svc.sql.query('SELECT 1'),
    redis: () => svc.redis.ping(),
    r2: () => svc.recordings.head('.scaleflare-probe'),
  };
  const results = await Promise.all(Object.entries(stores).map(async ([store, work]) => ({ store, ...(await probe(store, work)) })));
  return [
    family('scaleflare_storage_up', results.map((r) => ({ labels: { store: r.store }, value: r.ok ? 1 : 0 }))),
    family('scaleflare_storage_latency_seconds', results.flatMap((r) => (r.seconds === undefined ? [] : [{ labels: { store: r.store }, value: r.seconds }]))),
  ];
}
