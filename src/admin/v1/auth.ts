import { bearerMatches } from '../../http/bearer.js';
import { ApiError } from './operation.js';

/**
 * `Authorization: Bearer <token>` against every configured ADMIN_TOKEN, all compared (digests,
 * constant time) so neither which token matched nor its length shows in the timing. Returns the
 * token that matched, for the audit event (which logs only its fingerprint).
 */
export async function authorize(authorization: string | undefined, tokens: readonly string[]): Promise<string> {
  if (tokens.length === 0) throw new ApiError(404, 'admin_api_disabled', 'The admin API is disabled: ADMIN_TOKEN is not set');
  const matches = await Promise.all(tokens.map((t) => bearerMatches(authorization, t)));
  const i = matches.indexOf(true);
  if (i < 0) throw new ApiError(401, 'unauthorized', 'A valid bearer token is required (Authorization: Bearer <ADMIN_TOKEN>)');
  return tokens[i]!;
}
