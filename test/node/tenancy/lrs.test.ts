import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptLrsPayload, lrsPayload } from '../../../src/tenancy/lrs.js';
import { TenantSettingsSchema } from '../../../src/tenant-settings.js';

const SECRET = 'node-secret-1';

/** Decrypts as bbb-webhooks does, with Node's crypto: skip 8 bytes, salt, then AES-256-CBC. */
function decrypt(payload: string, secret: string): unknown {
  const data = Buffer.from(payload, 'base64');
  const salt = data.subarray(8, 16);
  const keyIv = pbkdf2Sync(secret, salt, 10000, 48, 'sha256');
  const decipher = createDecipheriv('aes-256-cbc', keyIv.subarray(0, 32), keyIv.subarray(32, 48));
  return JSON.parse(Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]).toString('utf8'));
}

describe('LRS payload encryption', () => {
  it('decrypts with Node crypto to the JSON, with a fresh salt every time', async () => {
    const json = JSON.stringify({ lrs_endpoint: 'https://lrs.example.org/xapi', lrs_username: 'u', lrs_password: 'pä$$ with spaces' });
    const a = await encryptLrsPayload(json, SECRET);
    const b = await encryptLrsPayload(json, SECRET);
    expect(a).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decrypt(a, SECRET)).toEqual(JSON.parse(json));
    expect(decrypt(b, SECRET)).toEqual(JSON.parse(json));
    expect(Buffer.from(a, 'base64').subarray(8, 16)).not.toEqual(Buffer.from(b, 'base64').subarray(8, 16));
    // 16 bytes of prefix, then whole AES blocks (PKCS#7 always pads).
    expect((Buffer.from(a, 'base64').length - 16) % 16).toBe(0);
  });

  it('does not decrypt with another secret', async () => {
    const payload = await encryptLrsPayload('{"lrs_endpoint":"https://lrs.example.org"}', SECRET);
    expect(() => decrypt(payload, 'another-secret')).toThrow();
  });
});

describe('lrsPayload', () => {
  const endpoint = 'https://lrs.example.org/xapi';

  it('basic credentials: {lrs_endpoint, lrs_username, lrs_password}, no token request', async () => {
    const noFetch = () => Promise.reject(new Error('no request expected'));
    const payload = await lrsPayload({ endpoint, username: 'user', password: 'pw' }, SECRET, noFetch);
    expect(decrypt(payload!, SECRET)).toEqual({ lrs_endpoint: endpoint, lrs_username: 'user', lrs_password: 'pw' });
  });

  const keycloak = { tokenUrl: 'https://kc.example.org/token', clientId: 'cid', clientSecret: 'csecret', username: 'kcuser', password: 'kcpw' };

  it('Keycloak: a password grant POSTed as a form, then {lrs_endpoint, lrs_token}', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const kc = async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return Response.json({ access_token: 'tok-123', token_type: 'Bearer' });
    };
    const payload = await lrsPayload({ endpoint, keycloak }, SECRET, kc);
    expect(decrypt(payload!, SECRET)).toEqual({ lrs_endpoint: endpoint, lrs_token: 'tok-123' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(keycloak.tokenUrl);
    expect(seen[0]!.init.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(String(seen[0]!.init.body)))).toEqual({
      client_id: 'cid', client_secret: 'csecret', username: 'kcuser', password: 'kcpw', grant_type: 'password',
    });
    expect(seen[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('Keycloak tokens are reused until 30 s before they expire; without expires_in, each create asks', async () => {
    let asked = 0;
    const kc = (expires?: number) => async () => {
      asked++;
      return Response.json({ access_token: `tok-${asked}`, ...(expires === undefined ? {} : { expires_in: expires }) });
    };
    const tokenOf = async (settings: typeof keycloak, fetchFn: () => Promise<Response>) =>
      (decrypt((await lrsPayload({ endpoint, keycloak: settings }, SECRET, fetchFn))!, SECRET) as { lrs_token: string }).lrs_token;
    const held = { ...keycloak, clientId: 'held' };
    expect([await tokenOf(held, kc(300)), await tokenOf(held, kc(300))]).toEqual(['tok-1', 'tok-1']);
    const brief = { ...keycloak, clientId: 'brief' };
    expect([await tokenOf(brief, kc(20)), await tokenOf(brief, kc(20))]).toEqual(['tok-2', 'tok-3']);
    const unknown = { ...keycloak, clientId: 'unknown' };
    expect([await tokenOf(unknown, kc()), await tokenOf(unknown, kc())]).toEqual(['tok-4', 'tok-5']);
  });

  it('Keycloak failures give no payload, and the log names no credential', async () => {
    const logged: string[] = [];
    const original = console.warn;
    console.warn = (line: string) => logged.push(line);
    try {
      const answers = [
        async () => new Response('denied', { status: 401 }),
        async () => Response.json({ error: 'no token' }),
        async () => new Response('not json', { status: 200 }),
        async () => Promise.reject(new DOMException('timed out', 'TimeoutError')),
        async () => Promise.reject(new TypeError('connection refused')),
      ];
      for (const answer of answers) expect(await lrsPayload({ endpoint, keycloak }, SECRET, answer)).toBeNull();
    } finally {
      console.warn = original;
    }
    expect(logged.map((l) => JSON.parse(l).reason)).toEqual(['HTTP 401', 'no access_token in the answer', 'SyntaxError', 'timeout', 'TypeError']);
    for (const secret of ['csecret', 'kcpw', SECRET]) expect(logged.join('\n')).not.toContain(secret);
  });
});

describe('LRS settings', () => {
  it('accept basic or Keycloak credentials, and refuse an endpoint without either or a non-http URL', () => {
    expect(TenantSettingsSchema.safeParse({ lrs: { endpoint: 'https://lrs.example.org', username: 'u', password: 'p' } }).success).toBe(true);
    expect(
      TenantSettingsSchema.safeParse({
        lrs: { endpoint: 'https://lrs.example.org', keycloak: { tokenUrl: 'https://kc/t', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' } },
      }).success,
    ).toBe(true);
    expect(TenantSettingsSchema.safeParse({ lrs: { endpoint: 'https://lrs.example.org' } }).success).toBe(false);
    expect(TenantSettingsSchema.safeParse({ lrs: { endpoint: 'ftp://lrs.example.org', username: 'u' } }).success).toBe(false);
  });
});
