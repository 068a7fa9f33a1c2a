import { toBase64, utf8 } from '../crypto.js';
import { log } from '../observability/log.js';
import type { LrsSettings } from '../tenant-settings.js';

/**
 * Scalelite's LRS payload (reference/scalelite.md §4.4, `LrsPayloadService`): the tenant's xAPI
 * endpoint and credentials, encrypted for bbb-webhooks (≥ 3.2.0) with the chosen server's
 * secret, sent at create as `meta_secret-lrs-payload`. WebCrypto only.
 */

const ITERATIONS = 10_000;
/** Create waits at most this long for a Keycloak token, then goes on without the payload. */
export const TOKEN_TIMEOUT_MS = 3000;

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Keycloak tokens this isolate holds, by the credentials that got them, until shortly before they
 * expire: a tenant's creates share one token instead of asking Keycloak each time (as Scalelite).
 */
const tokens = new Map<string, { token: string; until: number }>();
const TOKEN_MARGIN_MS = 30_000;
const MAX_TOKENS = 1000;

/**
 * The payload for a tenant's LRS settings: basic credentials as they are, or a Keycloak access
 * token fetched now (password grant). Null when the token cannot be had; the reason is logged,
 * never a credential or the token.
 */
export async function lrsPayload(lrs: LrsSettings, serverSecret: string, fetchFn: Fetch = fetch): Promise<string | null> {
  if (lrs.username !== undefined) {
    return encryptLrsPayload(JSON.stringify({ lrs_endpoint: lrs.endpoint, lrs_username: lrs.username, lrs_password: lrs.password ?? '' }), serverSecret);
  }
  if (!lrs.keycloak) return null;
  const token = await keycloakToken(lrs.keycloak, fetchFn);
  return token === null ? null : encryptLrsPayload(JSON.stringify({ lrs_endpoint: lrs.endpoint, lrs_token: token }), serverSecret);
}

async function keycloakToken(kc: NonNullable<LrsSettings['keycloak']>, fetchFn: Fetch): Promise<string | null> {
  const key = JSON.stringify(kc);
  const held = tokens.get(key);
  if (held && held.until > Date.now()) return held.token;
  const fail = (reason: string) => {
    log('warn', 'LRS token request failed', { reason });
    return null;
  };
  try {
    const res = await fetchFn(kc.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: kc.clientId,
        client_secret: kc.clientSecret,
        username: kc.username,
        password: kc.password,
        grant_type: 'password',
      }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return fail(`HTTP ${res.status}`);
    }
    const answer = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    const token = answer.access_token;
    if (typeof token !== 'string' || !token) return fail('no access_token in the answer');
    const until = Date.now() + Number(answer.expires_in) * 1000 - TOKEN_MARGIN_MS;
    if (until > Date.now()) {
      if (tokens.size >= MAX_TOKENS) tokens.clear();
      tokens.set(key, { token, until });
    }
    return token;
  } catch (e) {
    const name = e instanceof Error ? e.name : 'Error';
    return fail(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `${name}`);
  }
}

/**
 * Base64(8 random bytes ‖ 8-byte salt ‖ AES-256-CBC(json)), key and IV the 48 bytes of
 * PBKDF2-HMAC-SHA256(secret, salt, 10000): byte for byte what Scalelite sends (its leading 8
 * bytes stand where OpenSSL's `Salted__` would).
 */
export async function encryptLrsPayload(json: string, secret: string): Promise<string> {
  const prefix = crypto.getRandomValues(new Uint8Array(16));
  const salt = prefix.subarray(8);
  const material = await crypto.subtle.importKey('raw', utf8(secret), 'PBKDF2', false, ['deriveBits']);
  const keyIv = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ITERATIONS }, material, 48 * 8),
  );
  const key = await crypto.subtle.importKey('raw', keyIv.subarray(0, 32), 'AES-CBC', false, ['encrypt']);
  // WebCrypto's AES-CBC pads with PKCS#7, as OpenSSL does.
  const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: keyIv.subarray(32, 48) }, key, utf8(json)));
  const out = new Uint8Array(prefix.length + cipher.length);
  out.set(prefix);
  out.set(cipher, prefix.length);
  return toBase64(out);
}
