import { decode, sign, verify } from 'hono/jwt';
import { JwtTokenSignatureMismatched } from 'hono/utils/jwt/types';
import { hmacKey, type Hash } from '../../crypto.js';

/**
 * HS256 JSON Web Tokens, as BBB signs recording-ready callbacks (`signed_parameters`) and as the
 * balancer signs the end-callback URLs it hands to nodes; HS512 for analytics callbacks, as BBB
 * and Scalelite sign them. hono/jwt with the keys cached per isolate; no claims are checked here
 * beyond the signature (callers check `exp` where the protocol has one).
 */

const HASH = { HS256: 'SHA-256', HS512: 'SHA-512' } as const satisfies Record<string, Hash>;
export type JwtAlg = keyof typeof HASH;

type Claims = Record<string, unknown>;

const asClaims = (payload: unknown): Claims | null =>
  payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Claims) : null;

export async function signJwt(claims: Claims, secret: string, alg: JwtAlg = 'HS256'): Promise<string> {
  return sign(claims, await hmacKey(HASH[alg], secret), alg);
}

/** The claims when any of `secrets` signed the token with `alg`; null otherwise (never throws). */
export async function verifyJwt(token: string, secrets: readonly string[], alg: JwtAlg = 'HS256'): Promise<Claims | null> {
  for (const secret of secrets) {
    // An empty secret would let anyone sign.
    if (secret === '') continue;
    const key = await hmacKey(HASH[alg], secret);
    try {
      // The signature only: exp, nbf and iat are the caller's to check.
      return asClaims(await verify(token, key, { alg, exp: false, nbf: false, iat: false }));
    } catch (e) {
      // Another secret may have signed it; a malformed token or another algorithm fails them all.
      if (!(e instanceof JwtTokenSignatureMismatched)) return null;
    }
  }
  return null;
}

/** The claims without checking the signature: only to pick the secrets to verify with. */
export function unverifiedClaims(token: string): Claims | null {
  try {
    return asClaims(decode(token).payload);
  } catch {
    return null;
  }
}
