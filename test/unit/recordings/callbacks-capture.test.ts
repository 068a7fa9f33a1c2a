import { describe, expect, it } from 'vitest';
import { captureCallbacks, isPrivateHost, rejectReason } from '../../../src/recordings/callbacks/capture';
import { toBase64Url, utf8 } from '../../../src/crypto';
import { signJwt, unverifiedClaims, verifyJwt } from '../../../src/recordings/callbacks/jwt';

describe('callback URL checks', () => {
  it.each([
    ['localhost', true], ['app.localhost', true], ['printer.local', true], ['db.internal', true],
    ['127.0.0.1', true], ['10.0.0.8', true], ['172.16.0.1', true], ['172.31.255.255', true], ['192.168.1.1', true],
    ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['[::1]', true], ['[fd00::1]', true], ['[fe80::1]', true],
    ['[::ffff:7f00:1]', true],
    ['172.32.0.1', false], ['8.8.8.8', false], ['100.128.0.1', false], ['gl.example.com', false], ['[2606:4700::1111]', false],
  ])('%s private: %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });

  it('accepts http(s) only, private targets only when allowed', () => {
    expect(rejectReason('https://gl.example.com/ready?x=1', false)).toBeNull();
    expect(rejectReason('ftp://gl.example.com/', false)).toBe('not http or https');
    expect(rejectReason('javascript:alert(1)', false)).toBe('not http or https');
    expect(rejectReason('not a url', false)).toBe('not a URL');
    expect(rejectReason('http://127.0.0.1:3000/ready', false)).toBe('private or loopback address');
    expect(rejectReason('http://127.0.0.1:3000/ready', true)).toBeNull();
  });
});

describe('captureCallbacks', () => {
  const ctx = { tenant: { id: 'default', secrets: ['s1', 's2'] }, meetingID: 'room', server: 'srv-1', requestOrigin: 'https://lb.example.com', urlHost: '', allowPrivateUrls: false };

  it('keeps every other parameter in order', async () => {
    const out = await captureCallbacks([['name', 'A'], ['meta_bbb-recording-ready-url', 'https://gl.example/r'], ['record', 'true']], ctx);
    expect(out.params).toEqual([['name', 'A'], ['record', 'true']]);
    expect(out.urls).toEqual({ recordingReadyUrl: 'https://gl.example/r' });
  });

  it('signs the end callback token for the meeting and its server, verifiable with any tenant secret', async () => {
    const out = await captureCallbacks([['meta_endCallbackUrl', 'https://gl.example/end']], ctx);
    const [[key, value]] = out.params as [[string, string]];
    expect(key).toBe('meta_endCallbackUrl');
    const token = value.slice('https://lb.example.com/callbacks/end/'.length);
    expect(await verifyJwt(token, ['s2', 's1'])).toMatchObject({ tenant: 'default', meeting_id: 'room', instance: expect.any(Number), server: 'srv-1' });
    expect(await verifyJwt(token, ['other'])).toBeNull();
  });
});

describe('HS256 JWT', () => {
  it('round-trips and refuses tampering, other algorithms and garbage', async () => {
    const token = await signJwt({ meeting_id: 'm', record_id: 'r' }, 'secret');
    expect(await verifyJwt(token, ['secret'])).toEqual({ meeting_id: 'm', record_id: 'r' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = btoa(JSON.stringify({ meeting_id: 'other', record_id: 'r' })).replace(/=+$/, '');
    expect(await verifyJwt(`${h}.${forged}.${s}`, ['secret'])).toBeNull();
    const none = btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '');
    expect(await verifyJwt(`${none}.${p}.`, ['secret'])).toBeNull();
    expect(await verifyJwt(`${none}.${p}.${s}`, ['secret'])).toBeNull();
    for (const junk of ['', 'a.b', 'a.b.c.d', '!!.??.**']) expect(await verifyJwt(junk, ['secret'])).toBeNull();
  });

  // The example token of RFC 7519's common test tool (jwt.io): another implementation's signature.
  const JWT_IO =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it('signs and verifies byte for byte as other implementations do', async () => {
    expect(await signJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret')).toBe(JWT_IO);
    expect(await verifyJwt(JWT_IO, ['your-256-bit-secret'])).toEqual({ sub: '1234567890', name: 'John Doe', iat: 1516239022 });
  });

  const b64 = (value: unknown) => toBase64Url(utf8(JSON.stringify(value)));
  async function tokenOf(header: Record<string, unknown>, claims: unknown, secret: string): Promise<string> {
    const body = `${b64(header)}.${b64(claims)}`;
    const key = await crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: header.alg === 'HS512' ? 'SHA-512' : 'SHA-256' }, false, ['sign']);
    return `${body}.${toBase64Url(await crypto.subtle.sign('HMAC', key, utf8(body)))}`;
  }

  it('accepts a header without typ, as ruby-jwt on BBB nodes writes it', async () => {
    const token = await tokenOf({ alg: 'HS256' }, { meeting_id: 'm', record_id: 'r' }, 'secret');
    expect(await verifyJwt(token, ['secret'])).toEqual({ meeting_id: 'm', record_id: 'r' });
  });

  it('checks the signature only: expired, future and not-yet-valid claims are the caller\'s', async () => {
    const claims = { exp: 1, nbf: 4102444800, iat: 4102444800 };
    const token = await tokenOf({ alg: 'HS512', typ: 'JWT' }, claims, 'node secret');
    expect(await verifyJwt(token, ['node secret'], 'HS512')).toEqual(claims);
  });

  it('tries every secret, skips empty ones, and refuses another algorithm than asked', async () => {
    const hs512 = await signJwt({ exp: 1 }, 'new', 'HS512');
    expect(await verifyJwt(hs512, ['', 'old', 'new'], 'HS512')).toEqual({ exp: 1 });
    expect(await verifyJwt(hs512, ['new'])).toBeNull();
    expect(await verifyJwt(await signJwt({ a: 1 }, 'new'), ['new'], 'HS512')).toBeNull();
    expect(await verifyJwt(await tokenOf({ alg: 'HS256' }, [1, 2], 'secret'), ['secret'])).toBeNull();
    expect(await verifyJwt(await tokenOf({ alg: 'HS256', crit: ['x'] }, {}, 'secret'), ['secret'])).toBeNull();
  });

  it('reads the claims unverified, for picking the secrets', async () => {
    expect(unverifiedClaims(await signJwt({ tenant: 't1' }, 'x'))).toEqual({ tenant: 't1' });
    for (const junk of ['', 'a.b', 'a.!!.c']) expect(unverifiedClaims(junk)).toBeNull();
  });
});
