/**
 * Bytes and crypto for every surface: hex, base64 and base64url, SHA digests, HMAC with keys
 * imported once per isolate, constant-time comparison. WebCrypto only, so it runs in the Worker
 * and in Node (the CLI and tools share it).
 */

export type Hash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
/** What WebCrypto takes. */
type Bytes = Uint8Array<ArrayBuffer> | ArrayBuffer;

const encoder = new TextEncoder();
/** The UTF-8 bytes of text (always a fresh ArrayBuffer, whatever the typings say). */
export const utf8 = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text) as Uint8Array<ArrayBuffer>;

const asBytes = (data: Uint8Array | ArrayBuffer): Uint8Array => (data instanceof Uint8Array ? data : new Uint8Array(data));

// Checksums are hashed on every BBB call and twice on a join: one table lookup per byte.
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lowercase hex. */
export function toHex(data: Uint8Array | ArrayBuffer): string {
  const bytes = asBytes(data);
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX_BYTE[bytes[i]!];
  return hex;
}

const HEX_TEXT = /^(?:[0-9a-fA-F]{2})*$/;

/** The bytes of hex text (either case); undefined for anything else. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!HEX_TEXT.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Standard base64 with padding. */
export function toBase64(data: Uint8Array | ArrayBuffer): string {
  const bytes = asBytes(data);
  let binary = '';
  // In slices: spreading a large array into fromCharCode would overflow the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The bytes of standard base64 text; throws on anything else. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;

/** base64url without padding (RFC 4648 §5), as JWTs and opaque cursors use it. */
export function toBase64Url(data: Uint8Array | ArrayBuffer): string {
  return toBase64(data).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of unpadded base64url text; undefined for anything else. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL_TEXT.test(text)) return undefined;
  try {
    return fromBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    // A length of 4n + 1 characters encodes no byte string.
    return undefined;
  }
}

const input = (data: string | Bytes): Bytes => (typeof data === 'string' ? utf8(data) : data);

/** The digest of `data` (a string is hashed as UTF-8). Not async: no extra promise on the join path. */
export function digest(hash: Hash, data: string | Bytes): Promise<ArrayBuffer> {
  return crypto.subtle.digest(hash, input(data));
}

export async function digestHex(hash: Hash, data: string | Bytes): Promise<string> {
  return toHex(await digest(hash, data));
}

// Rotating secrets add keys: past this many the oldest goes first (a miss only costs an import).
const MAX_KEYS = 1024;
const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for a secret (UTF-8), imported once per isolate and reused; for sign and verify. */
export function hmacKey(hash: Hash, secret: string): Promise<CryptoKey> {
  const id = `${hash}:${secret}`;
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
    key = importHmacKey(hash, utf8(secret));
    // A failed import (an empty secret) is not kept: the next call fails the same way on its own.
    key.catch(() => keys.delete(id));
    keys.set(id, key);
  }
  return key;
}

/** An HMAC key from raw bytes (a derived key), not cached: its holder keeps it. */
export function importHmacKey(hash: Hash, raw: Bytes): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign', 'verify']);
}

const keyFor = (hash: Hash, key: string | CryptoKey) => (typeof key === 'string' ? hmacKey(hash, key) : key);

/** HMAC of `data` with a secret (cached key) or a key. */
export async function hmac(hash: Hash, key: string | CryptoKey, data: string | Bytes): Promise<ArrayBuffer> {
  return crypto.subtle.sign('HMAC', await keyFor(hash, key), input(data));
}

export async function hmacHex(hash: Hash, key: string | CryptoKey, data: string | Bytes): Promise<string> {
  return toHex(await hmac(hash, key, data));
}

/** Whether `mac` is the HMAC of `data`, compared in constant time by WebCrypto. */
export async function hmacVerify(hash: Hash, key: string | CryptoKey, mac: Bytes, data: string | Bytes): Promise<boolean> {
  return crypto.subtle.verify('HMAC', await keyFor(hash, key), mac, input(data));
}

/** String equality without an early exit, for secrets and MACs; the length alone may show. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** `bytes` random bytes as hex: nonces and generated secrets. */
export const randomHex = (bytes: number): string => toHex(crypto.getRandomValues(new Uint8Array(bytes)));
