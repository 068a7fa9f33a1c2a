import type { Config } from '../../config.js';

/**
 * HMAC-SHA256 over playback data (one-time links, access cookies, Worker-served object URLs).
 * The key is SECRET_KEY_BASE, or else derived from the first API secret under a label of its
 * own, so a playback signature can never double as an API checksum.
 */

const encoder = new TextEncoder();
const keys = new WeakMap<Config, Promise<CryptoKey>>();

const importKey = (raw: Uint8Array | ArrayBuffer) =>
  crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

async function deriveKey(cfg: Config): Promise<CryptoKey> {
  if (cfg.recordings.signingKey) return importKey(encoder.encode(cfg.recordings.signingKey));
  const master = await importKey(encoder.encode(cfg.secrets[0] ?? ''));
  return importKey(await crypto.subtle.sign('HMAC', master, encoder.encode('scaleflare playback signing key')));
}

function key(cfg: Config): Promise<CryptoKey> {
  let k = keys.get(cfg);
  if (!k) keys.set(cfg, (k = deriveKey(cfg)));
  return k;
}

const message = (parts: readonly string[]) => encoder.encode(parts.join('\n'));

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Hex signature of the parts (joined by newlines, which none of them may contain). */
export async function sign(cfg: Config, parts: readonly string[]): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await key(cfg), message(parts)));
}

/** Constant-time check (subtle.verify) of a hex signature. */
export async function verify(cfg: Config, parts: readonly string[], signature: string): Promise<boolean> {
  const mac = fromHex(signature);
  return mac !== undefined && crypto.subtle.verify('HMAC', await key(cfg), mac, message(parts));
}

/** Seconds since the epoch. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
