import { constantTimeEqual, digestHex } from '../crypto.js';

/** Compares digests, so neither the token's length nor its content leaks through timing. */
export async function bearerMatches(authorization: string | undefined, token: string): Promise<boolean> {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  const [a, b] = await Promise.all([digestHex('SHA-256', given), digestHex('SHA-256', token)]);
  return constantTimeEqual(a, b);
}
