import type { Config } from '../../config.js';
import { fromHex, hmac, hmacHex, hmacKey, hmacVerify, importHmacKey } from '../../crypto.js';

/**
 * HMAC-SHA256 over playback data (one-time links, access cookies, Worker-served object URLs).
 * The key is SECRET_KEY_BASE, or else derived from the first API secret under a label of its
 * own, so a playback signature can never double as an API checksum.
 */

const keys = new WeakMap<Config, Promise<CryptoKey>>();

async function deriveKey(cfg: Config): Promise<CryptoKey> {
  if (cfg.recordings.signingKey) return hmacKey('SHA-256', cfg.recordings.signingKey);
  return importHmacKey('SHA-256', await hmac('SHA-256', cfg.secrets[0] ?? '', 'scaleflare playback signing key'));
}

function key(cfg: Config): Promise<CryptoKey> {
  let k = keys.get(cfg);
  if (!k) keys.set(cfg, (k = deriveKey(cfg)));
  return k;
}

const message = (parts: readonly string[]) => parts.join('\n');
const SIGNATURE = /^[0-9a-f]{64}$/;

/** Hex signature of the parts (joined by newlines, which none of them may contain). */
export async function sign(cfg: Config, parts: readonly string[]): Promise<string> {
  return hmacHex('SHA-256', await key(cfg), message(parts));
}

/** Constant-time check (subtle.verify) of a hex signature. */
export async function verify(cfg: Config, parts: readonly string[], signature: string): Promise<boolean> {
  const mac = SIGNATURE.test(signature) ? fromHex(signature) : undefined;
  return mac !== undefined && hmacVerify('SHA-256', await key(cfg), mac, message(parts));
}

/** Seconds since the epoch. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
