import type { Services } from '../services.js';
import { MetricsStore } from '../store/metrics.js';
import type { RequestCounter } from './catalogue.js';
import { seriesName } from './prometheus.js';
import { describeError, log } from './log.js';
import { annotate } from './request-context.js';

type WaitUntil = (p: Promise<unknown>) => void;

/**
 * Request counters batched in isolate memory: counting costs no storage round trip. The pending
 * increments reach Redis (one pipeline) in a request's waitUntil, at most once per interval per
 * isolate, and with every scrape. An isolate that dies loses at most one interval of counts.
 */
export class CounterBatch {
  private pending = new Map<string, number>();
  private lastFlush: number;
  private flushing = false;

  constructor(
    private readonly store: MetricsStore,
    private readonly intervalMs: number,
    now = Date.now(),
  ) {
    // The first flush waits one interval too, so an isolate's first request costs what the rest do.
    this.lastFlush = now;
  }

  add(name: RequestCounter, labels: Record<string, string>): void {
    const series = seriesName(name, labels);
    this.pending.set(series, (this.pending.get(series) ?? 0) + 1);
  }

  flushIfDue(waitUntil: WaitUntil, now = Date.now()): void {
    if (this.flushing || this.pending.size === 0 || now - this.lastFlush < this.intervalMs) return;
    this.lastFlush = now;
    this.flushing = true;
    const batch = this.take();
    waitUntil(
      this.store
        .add(batch)
        .catch((e: unknown) => {
          this.giveBack(batch);
          log('warn', 'metrics flush failed', { error: describeError(e) });
        })
        .finally(() => (this.flushing = false)),
    );
  }

  /** Every isolate's totals, this isolate's pending increments included; one round trip. */
  async totals(): Promise<Map<string, number>> {
    const batch = this.take();
    try {
      return await this.store.totals(batch);
    } catch (e) {
      this.giveBack(batch);
      throw e;
    }
  }

  private take(): Map<string, number> {
    const batch = this.pending;
    this.pending = new Map();
    return batch;
  }

  // A failed write keeps its increments for the next one; series are few, so this stays small.
  private giveBack(batch: Map<string, number>): void {
    for (const [series, n] of batch) this.pending.set(series, (this.pending.get(series) ?? 0) + n);
  }
}

const batches = new WeakMap<Services, CounterBatch>();

/** The isolate's batch for this deployment; undefined when metrics are off (no METRICS_TOKEN). */
export function counterBatch(svc: Services): CounterBatch | undefined {
  if (!svc.cfg.metrics.token) return undefined;
  let b = batches.get(svc);
  if (!b) {
    b = new CounterBatch(new MetricsStore(svc.redis, svc.cfg.redis.namespace), svc.cfg.metrics.flushMs);
    batches.set(svc, b);
  }
  return b;
}

/** Label values come from our own vocabulary, server ids and node messageKeys: bounded, but kept tidy. */
const label = (v: string) => (/^[A-Za-z0-9._:-]{1,64}$/.test(v) ? v : 'other');

/** Counts a join redirect, and names its server in the request's log line. */
export function countJoinRedirect(svc: Services, server: string): void {
  annotate({ server });
  counterBatch(svc)?.add('scaleflare_join_redirects_total', { server: label(server) });
}

/** Counts a placement decision or failure, and names the chosen server in the request's log line. */
export function countPlacement(svc: Services, result: { status: string; server?: string }): void {
  if (result.server !== undefined) annotate({ server: result.server });
  const batch = counterBatch(svc);
  if (!batch) return;
  if (result.server !== undefined) {
    batch.add('scaleflare_placement_decisions_total', { decision: label(result.status), server: label(result.server) });
  } else {
    batch.add('scaleflare_placement_failures_total', { reason: label(result.status) });
  }
}

/** Counts a finished BBB API call, and hands the batch to Redis when it is due. */
export function countApiCall(svc: Services, call: string, result: string, waitUntil: WaitUntil): void {
  const batch = counterBatch(svc);
  if (!batch) return;
  batch.add('scaleflare_api_requests_total', { call: label(call), result: label(result) });
  batch.flushIfDue(waitUntil);
}
