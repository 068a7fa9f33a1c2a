import { keys } from './keys.js';
import type { Redis } from './redis.js';

/**
 * Marks a one-time link's nonce used; true only for the first caller (SET NX), so a link opens
 * once however many requests race for it. One Redis round trip; the mark expires with the link.
 */
export async function consumeLink(redis: Redis, ns: string, nonce: string, ttlMs: number): Promise<boolean> {
  const set = await redis.set(keys(ns).usedPlaybackLink(nonce), '1', { nx: true, px: Math.max(1, Math.ceil(ttlMs)) });
  return set === 'OK';
}
