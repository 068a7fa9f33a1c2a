import { randomHex } from '../../crypto.js';
import type { Services } from '../../services.js';
import { consumeLink } from '../../store/playback-tokens.js';
import { nowSeconds, sign, verify } from './signing.js';

/**
 * Protected recordings (Scalelite's design, reference/scalelite.md §5.5, without its cookie on a
 * shared parent domain): getRecordings hands out a one-time link per format; opening it sets an
 * access cookie on the balancer's own host, scoped to `/<format>/<recordID>`, which every
 * resource request of that recording and format must carry.
 *
 * A link is `<expiry>.<nonce>.<hmac>`: stateless to issue (getRecordings writes nothing to
 * Redis, however many protected recordings it lists) and single-use through a Redis SET NX on
 * its nonce when opened.
 */

export interface Scope {
  tenant: string;
  recordID: string;
  format: string;
}

const scopeParts = (s: Scope) => [s.tenant, s.recordID, s.format];

export async function issueLinkToken(svc: Services, scope: Scope): Promise<string> {
  const expires = String(nowSeconds() + Math.ceil(svc.cfg.recordings.linkMs / 1000));
  const nonce = randomHex(16);
  return `${expires}.${nonce}.${await sign(svc.cfg, ['link', ...scopeParts(scope), expires, nonce])}`;
}

/** True once per valid, unexpired link for exactly this scope; false for anything else. */
export async function redeemLinkToken(svc: Services, scope: Scope, token: string): Promise<boolean> {
  const m = /^(\d{1,12})\.([0-9a-f]{32})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return false;
  const [, expires, nonce, signature] = m as unknown as [string, string, string, string];
  const left = Number(expires) - nowSeconds();
  if (left <= 0) return false;
  if (!(await verify(svc.cfg, ['link', ...scopeParts(scope), expires, nonce], signature))) return false;
  return consumeLink(svc.redis, svc.cfg.redis.namespace, nonce, left * 1000);
}

export const cookiePath = (s: Scope) => `/${s.format}/${s.recordID}`;
const cookieName = (s: Scope) => `recording_${s.format}_${s.recordID}`;

/**
 * The access cookie: host-only (no Domain), HttpOnly, limited to the recording's resource path.
 * SameSite=None over HTTPS so an LMS can embed the player in an iframe, as Scalelite.
 */
export async function accessCookie(svc: Services, scope: Scope, secure: boolean): Promise<string> {
  const seconds = Math.ceil(svc.cfg.recordings.accessMs / 1000);
  const expires = String(nowSeconds() + seconds);
  const value = `${expires}.${await sign(svc.cfg, ['access', ...scopeParts(scope), expires])}`;
  const attributes = [`Path=${cookiePath(scope)}`, `Max-Age=${seconds}`, 'HttpOnly', secure ? 'Secure; SameSite=None' : 'SameSite=Lax'];
  return `${cookieName(scope)}=${value}; ${attributes.join('; ')}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the request's cookies grant access to this recording and format. */
export async function hasAccess(svc: Services, scope: Scope, cookieHeader: string | undefined): Promise<boolean> {
  const m = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(readCookie(cookieHeader, cookieName(scope)) ?? '');
  if (!m || Number(m[1]) <= nowSeconds()) return false;
  return verify(svc.cfg, ['access', ...scopeParts(scope), m[1]!], m[2]!);
}
