import { Redis } from '@upstash/redis/cloudflare';
import type { Config } from '../config.js';

/**
 * Upstash over REST. Auto-pipelining is off so every round trip is one we asked for: the design's
 * budgets (one round trip for join, …) are counted in tests. Answers come as plain JSON strings,
 * not base64 (every value Scaleflare stores is UTF-8 text), which saves decoding on the hot path.
 */
/** Longer than any healthy round trip, poll cycles of large pools included. */
const REDIS_TIMEOUT_MS = 5000;

export function createRedis(cfg: Config): Redis {
  return new Redis({
    url: cfg.redis.url,
    token: cfg.redis.token,
    enableTelemetry: false,
    enableAutoPipelining: false,
    automaticDeserialization: false,
    readYourWrites: false,
    responseEncoding: false,
    retry: { retries: 1, backoff: () => 50 },
    // Workers' fetch has no deadline of its own: an unreachable Redis must fail the call, not hang it.
    signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),
  });
}

export type { Redis };
