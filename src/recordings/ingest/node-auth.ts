/**
 * How a BBB node signs its ingest requests: HMAC-SHA256, keyed with the node's own API secret,
 * over method, path with query, server id, timestamp and the body's SHA-256. The node-side
 * script computes the same string with `openssl dgst -sha256 -hmac` (docs/recordings-ingest.md).
 */
import { constantTimeEqual, hmacHex } from '../../crypto.js';

export const NODE_HEADERS = {
  server: 'x-scaleflare-server',
  timestamp: 'x-scaleflare-timestamp',
  contentSha256: 'x-scaleflare-content-sha256',
  signature: 'x-scaleflare-signature',
} as const;

export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** SHA-256 of the empty body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignedParts {
  method: string;
  /** The request path and query exactly as sent. */
  target: string;
  serverId: string;
  /** Unix seconds. */
  timestamp: string;
  contentSha256: string;
}

export function stringToSign(p: SignedParts): string {
  return [p.method.toUpperCase(), p.target, p.serverId, p.timestamp, p.contentSha256].join('\n');
}

export function sign(secret: string, p: SignedParts): Promise<string> {
  return hmacHex('SHA-256', secret, stringToSign(p));
}

export type Verdict = 'ok' | 'stale' | 'bad-signature';

/** Checks the timestamp against the clock (± skewMs), then the signature in constant time. */
export async function verify(
  secret: string,
  p: SignedParts,
  signature: string,
  o: { nowMs: number; skewMs: number },
): Promise<Verdict> {
  const ts = /^\d{1,12}$/.test(p.timestamp) ? Number(p.timestamp) * 1000 : NaN;
  if (!(Math.abs(o.nowMs - ts) <= o.skewMs)) return 'stale';
  // An empty secret would let anyone sign.
  if (secret === '') return 'bad-signature';
  return constantTimeEqual(await sign(secret, p), signature.toLowerCase()) ? 'ok' : 'bad-signature';
}
