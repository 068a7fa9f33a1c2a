import type { Services } from '../services.js';
import { MetricsStore } from '../store/metrics.js';
import { HISTOGRAMS, type HistogramName, type RequestCounter } from './catalogue.js';
import { observation } from './histogram.js';
import { seriesName } from './prometheus.js';
import { describeError, log } from './log.js';
import { cachedSeriesName } from './series-cache.js';
import { annotate } from './request-context.js';
import { INGEST_PREFIX } from '../recordings/ingest/paths.js';

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

  add(name: RequestCounter, labels: Record<string, string> = {}): void {
    this.bump(cachedSeriesName(name, labels), 1);
  }

  observe(name: HistogramName, labels: Record<string, string>, seconds: number): void {
    for (const [series, n] of observation(name, HISTOGRAMS[name], labels, seconds)) this.bump(series, n);
  }

  private bump(series: string, n: number): void {
    this.pending.set(series, (this.pending.get(series) ?? 0) + n);
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
export const label = (v: string) => (/^[A-Za-z0-9._:-]{1,64}$/.test(v) ? v : 'other');

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

/** Counts an event of a request, batched with its other counts (flushed when the request ends). */
export function count(svc: Services, name: RequestCounter, labels: Record<string, string> = {}): void {
  counterBatch(svc)?.add(name, labels);
}

/** Counts an operator's panic (the poll counts auto-panics in its own write, src/store/lua/poll-apply.ts). */
export function countAdminPanic(svc: Services, server: string): void {
  counterBatch(svc)?.add('scaleflare_server_panics_total', { server: label(server), cause: 'admin' });
}

/** What a request's duration is filed under: its BBB call, else the surface its path belongs to; none for probes and scrapes. */
function durationCall(path: string, call: string | undefined): string | undefined {
  if (call) return call;
  if (/^\/(admin|scalelite\/api)(\/|$)/.test(path)) return 'admin';
  if (path.startsWith(`${INGEST_PREFIX}/`)) return 'ingest';
  if (path.startsWith('/callbacks/')) return 'callbacks';
  if (path.startsWith('/bigbluebutton/api')) return 'bbb_other';
  if (/^\/[^/]+\/(html5client|bigbluebutton\/api)(\/|$)/.test(path)) return 'proxy';
  if (path === '/' || /^\/(health|metrics)(\/|$)/.test(path)) return undefined;
  return 'playback';
}

/**
 * Counts a finished request: its BBB call and result, a failed join by reason, and its duration;
 * then hands the batch to Redis when it is due (in waitUntil, never before the answer).
 */
export function countRequest(svc: Services, r: { path: string; ms: number; call?: string; messageKey?: string }, waitUntil: WaitUntil): void {
  const batch = counterBatch(svc);
  if (!batch) return;
  if (r.call && r.messageKey) {
    batch.add('scaleflare_api_requests_total', { call: label(r.call), result: label(r.messageKey) });
    if (r.call === 'join' && r.messageKey !== 'SUCCESS') batch.add('scaleflare_join_failures_total', { reason: label(r.messageKey) });
  }
  const call = durationCall(r.path, r.call);
  if (call) batch.observe('scaleflare_http_request_duration_seconds', { call: label(call) }, r.ms / 1000);
  batch.flushIfDue(waitUntil);
}

/**
 * Counts now, in one round trip of its own: for work outside a request (the cron's callback
 * deliveries). Metrics off, it costs nothing; a failure is logged, never thrown.
 */
export async function countNow(svc: Services, counts: [RequestCounter, Record<string, string>][]): Promise<void> {
  if (!svc.cfg.metrics.token || counts.length === 0) return;
  const increments = new Map<string, number>();
  for (const [name, labels] of counts) {
    const series = seriesName(name, labels);
    increments.set(series, (increments.get(series) ?? 0) + 1);
  }
  await new MetricsStore(svc.redis, svc.cfg.redis.namespace).add(increments).catch((e: unknown) => log('warn', 'metrics write failed', { error: describeError(e) }));
}
