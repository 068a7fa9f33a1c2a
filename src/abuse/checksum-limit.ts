import { BbbError, errors } from '../bbb/errors.js';
import { describeError, log } from '../observability/log.js';
import type { Redis } from '../store/redis.js';
import { countChecksumFailure } from '../store/rate-limit.js';

/**
 * Rate limit on wrong checksums per client (docs/abuse-and-analytics.md). Valid calls never touch
 * Redis for it: failures are counted there, and a client over the limit is remembered in this
 * isolate, which refuses it before verifying anything until its window ends. Other isolates learn
 * of the block at the client's next wrong checksum.
 */

export interface ChecksumLimitSettings {
  /** Wrong checksums allowed per window; 0 turns the limit off. */
  limit: number;
  windowSeconds: number;
}

/** Requests without CF-Connecting-IP (local development, `wrangler dev`) share one client. */
export const LOCAL_CLIENT = 'local';

/** Bounds the isolate's memory however many addresses an attacker uses. */
const MAX_REMEMBERED = 10_000;

/** Client → end of its window (ms), for clients this isolate saw go over the limit. */
const blocked = new Map<string, number>();

/** A distinct key, so an LMS whose checksum is right but shares a blocked address is not told its secret is wrong. */
export class ChecksumLimited extends BbbError {
  constructor(readonly retryAfterSeconds: number) {
    super('tooManyChecksumErrors', 'Too many requests with a wrong checksum from this address; try again later.');
  }
}

export function checksumClient(headers: Headers): string {
  return headers.get('cf-connecting-ip')?.trim() || LOCAL_CLIENT;
}

/** Throws ChecksumLimited for a client this isolate knows to be over the limit; no I/O. A limit turned off lifts every block. */
export function assertNotBlocked(client: string, settings: ChecksumLimitSettings, now = Date.now()): void {
  if (settings.limit === 0) return;
  const until = blocked.get(client);
  if (until === undefined) return;
  if (until > now) throw new ChecksumLimited(Math.ceil((until - now) / 1000));
  blocked.delete(client);
}

/**
 * Counts a wrong checksum (one Redis round trip, on the failure path only) and returns what to
 * answer: checksumError, or ChecksumLimited once the client is over the limit. Redis being
 * unreachable leaves the answer at checksumError.
 */
export async function checksumFailure(
  redis: Redis,
  namespace: string,
  settings: ChecksumLimitSettings,
  client: string,
  now = Date.now(),
): Promise<BbbError> {
  if (settings.limit === 0) return errors.checksumError();
  try {
    const { count, remainingMs } = await countChecksumFailure(redis, namespace, client, settings.windowSeconds);
    if (count <= settings.limit) return errors.checksumError();
    remember(client, now + remainingMs, now);
    if (count === settings.limit + 1) log('warn', 'checksum failures over the limit', { client, limit: settings.limit });
    return new ChecksumLimited(Math.ceil(remainingMs / 1000));
  } catch (e) {
    log('error', 'checksum failure not counted', { error: describeError(e) });
    return errors.checksumError();
  }
}

/** The answer to a refused call, with Retry-After when it was refused by the limit. */
export function withRetryAfter(e: unknown, res: Response): Response {
  if (e instanceof ChecksumLimited) res.headers.set('Retry-After', String(e.retryAfterSeconds));
  return res;
}

function remember(client: string, until: number, now: number): void {
  if (blocked.size >= MAX_REMEMBERED) {
    for (const [k, t] of blocked) if (t <= now) blocked.delete(k);
    // Still full: forget the oldest; Redis still counts it.
    if (blocked.size >= MAX_REMEMBERED) blocked.delete(blocked.keys().next().value!);
  }
  blocked.delete(client);
  blocked.set(client, until);
}
