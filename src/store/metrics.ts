import { keys } from './keys.js';
import type { Redis } from './redis.js';

/** Request counters summed across isolates: one hash of series → count. */
export class MetricsStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    ns: string,
  ) {
    this.key = keys(ns).metrics();
  }

  /** One round trip: every increment in one pipeline. */
  async add(increments: ReadonlyMap<string, number>): Promise<void> {
    if (increments.size === 0) return;
    const p = this.redis.pipeline();
    for (const [series, n] of increments) p.hincrby(this.key, series, n);
    await p.exec();
  }

  /** One round trip: adds the caller's pending increments, then reads every total. */
  async totals(pending: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const p = this.redis.pipeline();
    for (const [series, n] of pending) p.hincrby(this.key, series, n);
    p.hgetall(this.key);
    const answers = await p.exec();
    // Without deserialization HGETALL is a flat [field, value, …] list.
    const flat = answers[answers.length - 1];
    const out = new Map<string, number>();
    if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) out.set(String(flat[i]), Number(flat[i + 1]));
    return out;
  }
}
