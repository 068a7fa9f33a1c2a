import type { Redis } from './redis.js';

/** Redis key marking a one-time playback link as used; it expires with the link itself. */
const usedLinkKey = (ns: string, nonce: string) => `${ns}:playback:used:${nonce}`;

/**
 * Marks the link's nonce used; true only for the first caller (SET NX), so a link opens once
 * however many requests race for it. One Redis round trip.
 */
export async function consumeLink(redis: Redis, ns: string, nonce: string, ttlMs: number): Promise<boolean> {
  const set = await redis.set(usedLinkKey(ns, nonce), '1', { nx: true, px: Math.max(1, Math.ceil(ttlMs)) });
  return set === 'OK';
}
