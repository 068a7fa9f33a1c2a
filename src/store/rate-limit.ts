import { keys } from './keys.js';
import type { Redis } from './redis.js';

/**
 * Counts one failure of `client` in a fixed window, in one round trip: the window starts with
 * the first failure (SET NX EX) and ends when the key expires. Returns the count so far and the
 * milliseconds left in the window.
 */
export async function countChecksumFailure(
  redis: Redis,
  namespace: string,
  client: string,
  windowSeconds: number,
): Promise<{ count: number; remainingMs: number }> {
  const key = keys(namespace).checksumFailures(client);
  const [, count, ttl] = await redis
    .multi()
    .set(key, 0, { nx: true, ex: windowSeconds })
    .incr(key)
    .pttl(key)
    .exec<[unknown, number, number]>();
  return { count: Number(count), remainingMs: Number(ttl) > 0 ? Number(ttl) : windowSeconds * 1000 };
}
