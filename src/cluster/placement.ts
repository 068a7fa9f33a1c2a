import { digest } from '../crypto.js';

/** Scalelite's `meta_server-tag` rules: `a;b` any of these, a trailing `!` makes them required. */
export function parseServerTag(value: string | undefined): { tags: string[]; required: boolean } {
  let v = (value ?? '').trim();
  const required = v.endsWith('!');
  if (required) v = v.slice(0, -1);
  const tags = v.split(';').map((t) => t.trim()).filter(Boolean);
  return { tags, required: required && tags.length > 0 };
}

/**
 * Ten voice bridge candidates, derived from the meeting's identity so the same meeting gets the
 * same PIN whenever it is free (as Scalelite seeds its PRNG with the meetingID). Placement claims
 * the first one not taken anywhere in the pool.
 */
export async function voiceBridgeCandidates(
  identity: string,
  length: number,
  preferred?: string,
): Promise<string[]> {
  const out: string[] = preferred && /^\d+$/.test(preferred) ? [preferred] : [];
  const seed = new Uint32Array(await digest('SHA-256', identity));
  const next = xorshift(seed);
  for (let tries = 0; out.length < (preferred ? 11 : 10) && tries < 100; tries++) {
    let pin = String(1 + (next() % 9));
    while (pin.length < length) pin += String(next() % 10);
    // 99999 is reserved on BBB's FreeSWITCH for the echo test.
    if (pin !== '99999' && !out.includes(pin)) out.push(pin);
  }
  return out;
}

/** xorshift128, seeded from a digest: deterministic digits without one hash per digit. */
function xorshift(seed: Uint32Array): () => number {
  let [a, b, c, d] = [seed[0]! | 1, seed[1]!, seed[2]!, seed[3]!];
  return () => {
    let t = d;
    const s = a;
    d = c;
    c = b;
    b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    a = (t ^ s ^ (s >>> 19)) >>> 0;
    return a;
  };
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Scalelite generates an 8-character moderator password when the client sends none. */
export function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}
