import { Redis } from '@upstash/redis/cloudflare';
import type { Config } from '../config.js';

/**
 * Upstash over REST. Auto-pipelining is off so every round trip is one we asked for: the design's
 * budgets (one round trip for join, …) are counted in tests.
 */
export function createRedis(cfg: Config): Redis {
  return new Redis({
    url: cfg.redis.url,
    token: cfg.redis.token,
    enableTelemetry: false,
    enableAutoPipelining: false,
    automaticDeserialization: false,
    readYourWrites: false,
    retry: { retries: 1, backoff: () => 50 },
  });
}

export type { Redis };
