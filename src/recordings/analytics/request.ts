import { signJwt } from '../callbacks/jwt.js';

/** Scalelite's token lifetime for the frontend's check. */
const TOKEN_SECONDS = 24 * 3600;

/**
 * The relay of a node's analytics report to the frontend, as Scalelite sends it: the report as
 * JSON, `Authorization: Bearer <JWT HS512 {exp: now + 24 h}>` signed with the frontend's secret,
 * and BBB's User-Agent.
 */
export async function analyticsRequest(payload: Record<string, unknown>, secret: string): Promise<RequestInit> {
  const token = await signJwt({ exp: Math.floor(Date.now() / 1000) + TOKEN_SECONDS }, secret, 'HS512');
  return {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${token}`,
      'User-Agent': 'BigBlueButton Analytics Callback',
    },
    body: JSON.stringify(payload),
  };
}
