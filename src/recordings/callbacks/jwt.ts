/**
 * HS256 JSON Web Tokens, as BBB signs recording-ready callbacks (`signed_parameters`) and as the
 * balancer signs the end-callback URLs it hands to nodes; HS512 for analytics callbacks, as BBB
 * and Scalelite sign them. WebCrypto only; no claims are checked here beyond the signature.
 */

const encoder = new TextEncoder();
const HASH = { HS256: 'SHA-256', HS512: 'SHA-512' } as const;
export type JwtAlg = keyof typeof HASH;

export async function signJwt(claims: Record<string, unknown>, secret: string, alg: JwtAlg = 'HS256'): Promise<string> {
  const header = base64url(encoder.encode(JSON.stringify({ typ: 'JWT', alg })));
  const body = `${header}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, alg), encoder.encode(body));
  return `${body}.${base64url(new Uint8Array(mac))}`;
}

/** The claims when any of `secrets` signed the token with `alg`; null otherwise (never throws). */
export async function verifyJwt(token: string, secrets: readonly string[], alg: JwtAlg = 'HS256'): Promise<Record<string, unknown> | null> {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const mac = fromBase64url(signature);
  if (!mac) return null;
  try {
    if (JSON.parse(new TextDecoder().decode(fromBase64url(header) ?? new Uint8Array())).alg !== alg) return null;
    for (const secret of secrets) {
      // subtle.verify compares in constant time.
      if (await crypto.subtle.verify('HMAC', await hmacKey(secret, alg), mac, encoder.encode(`${header}.${payload}`))) {
        const claims: unknown = JSON.parse(new TextDecoder().decode(fromBase64url(payload) ?? new Uint8Array()));
        return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
      }
    }
  } catch {
    // Malformed header or payload JSON.
  }
  return null;
}

/** The claims without checking the signature: only to pick the secrets to verify with. */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(fromBase64url(token.split('.')[1] ?? '') ?? new Uint8Array()));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function hmacKey(secret: string, alg: JwtAlg): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: HASH[alg] }, false, ['sign', 'verify']);
}

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}
