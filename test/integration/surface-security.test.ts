import { beforeEach, describe, expect, it } from 'vitest';
import { SCALELITE_CALLS } from '../../src/admin/scalelite';
import { operations } from '../../src/admin/v1/router';
import { CALLS } from '../../src/api/router';
import { ADMIN_ENV, OLD_TOKEN, TOKEN, v1 } from './admin-v1-support';
import { BASE, hex, resetAll, send, SECRET } from './support';

/**
 * Every BBB call (from the CALLS table) and every admin operation (the v1 `operations`, every
 * Scalelite admin call), looped over so a new one is covered when it is added: refused without
 * or with wrong credentials, and refused unread when its body is too large, each in its surface's
 * own shape; never a 5xx, a stack trace or a secret in the answer. Hostile ids and text per route
 * are bad-input.test.ts's.
 */

beforeEach(resetAll);

/** A client address of its own per request, so the wrong-checksum limit never answers instead. */
let client = 0;
const from = () => ({ 'CF-Connecting-IP': `192.0.2.${++client % 250}` });

/** What no answer may hold: a stack trace, our secret or tokens. */
function expectClean(text: string, status: number, what: string): void {
  expect(status, `${what}: ${text}`).toBeLessThan(500);
  for (const leak of [SECRET, TOKEN, OLD_TOKEN, '    at ', 'Error:']) expect(text, what).not.toContain(leak);
}

const messageKey = (text: string) => /<messageKey>([^<]*)<\/messageKey>/.exec(text)?.[1] ?? (JSON.parse(text) as { response?: { messageKey?: string } }).response?.messageKey;

describe('BBB API: every call', () => {
  const served = Object.entries(CALLS).filter(([, spec]) => !('refused' in spec));
  const refused = Object.keys(CALLS).filter((name) => 'refused' in CALLS[name]!);

  for (const [name, spec] of served) {
    if ('refused' in spec) continue;
    for (const method of spec.methods) {
      it(`${method} ${name}: no checksum or a wrong one is checksumError, in the call's format`, async () => {
        const wrong = await hex('sha1', `${name}meetingID=m${SECRET}x`);
        for (const query of ['meetingID=m', `meetingID=m&checksum=${wrong}`]) {
          const res = await send(new Request(`${BASE}/bigbluebutton/api/${name}?${query}`, { method, headers: from() }));
          const text = await res.text();
          expectClean(text, res.status, `${method} ${name}?${query}`);
          expect(res.status).toBe(200);
          expect(res.headers.get('content-type')).toContain(spec.errors === 'json' ? 'application/json' : 'text/xml');
          expect(messageKey(text), text).toBe('checksumError');
        }
      });
    }

    if (spec.methods.includes('POST') && spec.accepts !== 'none') {
      it(`POST ${name}: a body over its limit is refused unread (validationError), before any checksum`, async () => {
        const max = spec.maxBodyBytes ?? (spec.accepts === 'form' ? 64 * 1024 : 16 * 1024 * 1024);
        const type = spec.accepts === 'xml' ? 'application/xml' : 'application/x-www-form-urlencoded';
        const res = await send(new Request(`${BASE}/bigbluebutton/api/${name}?meetingID=m`, { method: 'POST', body: new Uint8Array(max + 1), headers: { ...from(), 'Content-Type': type } }));
        const text = await res.text();
        expectClean(text, res.status, `POST ${name}`);
        expect(messageKey(text), text).toBe('validationError');
      });
    }
  }

  it('the HTML5 client\'s own calls are nodeSessionCall whatever the method, unread', async () => {
    expect(refused.length).toBeGreaterThan(0);
    for (const name of refused) {
      for (const method of ['GET', 'POST', 'PUT']) {
        const res = await send(new Request(`${BASE}/bigbluebutton/api/${name}?sessionToken=t`, { method, headers: from(), ...(method === 'GET' ? {} : { body: 'x' }) }));
        const text = await res.text();
        expectClean(text, res.status, `${method} ${name}`);
        expect(messageKey(text), `${method} ${name}`).toBe('nodeSessionCall');
      }
    }
  });

  it('a method a call does not take, and an unknown call, are unsupportedRequest', async () => {
    for (const [name, spec] of served) {
      if ('refused' in spec) continue;
      for (const method of ['GET', 'POST', 'PUT', 'DELETE'].filter((m) => !(spec.methods as readonly string[]).includes(m))) {
        const res = await send(new Request(`${BASE}/bigbluebutton/api/${name}`, { method, headers: from() }));
        expect(messageKey(await res.text()), `${method} ${name}`).toBe('unsupportedRequest');
      }
    }
    expect(messageKey(await (await send(new Request(`${BASE}/bigbluebutton/api/noSuchCall`))).text())).toBe('unsupportedRequest');
  });
});

describe('JSON admin API: every operation', () => {
  const pathOf = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'fingerprint' ? '0123456789ab' : 'some-id'));

  for (const op of operations) {
    const method = op.method.toUpperCase();
    it(`${method} ${op.path}: no token or a wrong one is 401 JSON`, async () => {
      for (const token of [null, 'wrong', `${OLD_TOKEN}x`]) {
        const res = await v1(method, pathOf(op.path), op.body ? {} : undefined, { token, env: ADMIN_ENV });
        expectClean(res.text, res.status, `${method} ${op.path} (${token})`);
        expect(res).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
      }
    });

    if (op.body) {
      it(`${method} ${op.path}: a body over 4 MiB is 413 JSON, unread`, async () => {
        const res = await send(
          new Request(`${BASE}/admin/v1${pathOf(op.path)}`, { method, body: new Uint8Array(4 * 1024 * 1024 + 1), headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }),
          ADMIN_ENV,
        );
        const text = await res.text();
        expectClean(text, res.status, `${method} ${op.path}`);
        expect(res.status).toBe(413);
        expect(JSON.parse(text)).toMatchObject({ error: { code: 'body_too_large' } });
      });
    }
  }
});

describe("Scalelite's admin API: every call", () => {
  for (const [name, route] of Object.entries(SCALELITE_CALLS)) {
    it(`${route.method} ${name}: no checksum or a wrong one is checksumError as BBB XML`, async () => {
      const wrong = await hex('sha256', `${name}${SECRET}x`);
      for (const query of ['', `checksum=${wrong}`, `checksum=${wrong}&checksum=${wrong}`]) {
        const init = route.method === 'POST' ? { body: '{}', headers: { 'Content-Type': 'application/json' } } : {};
        const res = await send(new Request(`${BASE}/scalelite/api/${name}?${query}`, { method: route.method, ...init }), { MULTITENANCY_ENABLED: 'true' });
        const text = await res.text();
        expectClean(text, res.status, `${name}?${query}`);
        expect(res.headers.get('content-type')).toContain('text/xml');
        expect(messageKey(text)).toBe('checksumError');
      }
    });

    if (route.method === 'POST') {
      it(`POST ${name}: a body over 64 KiB is 413 JSON, unread`, async () => {
        const checksum = await hex('sha256', name + SECRET);
        const res = await send(
          new Request(`${BASE}/scalelite/api/${name}?checksum=${checksum}`, { method: 'POST', body: new Uint8Array(64 * 1024 + 1), headers: { 'Content-Type': 'application/json' } }),
          { MULTITENANCY_ENABLED: 'true' },
        );
        const text = await res.text();
        expectClean(text, res.status, `POST ${name}`);
        expect(res.status).toBe(413);
        expect(JSON.parse(text)).toEqual({ error: 'Request body is too large' });
      });
    }
  }
});
