/** Scalelite's `meta_server-tag` rules: `a;b` any of these, a trailing `!` makes them required. */
export function parseServerTag(value: string | undefined): { tags: string[]; required: boolean } {
  let v = (value ?? '').trim();
  const required = v.endsWith('!');
  if (required) v = v.slice(0, -1);
  const tags = v.split(';').map((t) => t.trim()).filter(Boolean);
  return { tags, required: required && tags.length > 0 };
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
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
  const digests = await Promise.all(Array.from({ length: 12 }, (_, i) => sha256(`${identity}#${i}`)));
  for (const d of digests) {
    let pin = String(1 + (d[0]! % 9));
    for (let i = 1; pin.length < length; i++) pin += String(d[i % d.length]! % 10);
    // 99999 is reserved on BBB's FreeSWITCH for the echo test.
    if (pin !== '99999' && !out.includes(pin)) out.push(pin);
  }
  return out.slice(0, preferred ? 11 : 10);
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Scalelite generates an 8-character moderator password when the client sends none. */
export function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}
