import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { IngestClient } from '../../scripts/recordings/ingest-client';
import { operations } from '../../src/admin/v1/router';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { MT_ADMIN_ENV, v1 } from './admin-v1-support';
import { hs512Jwt } from './callbacks-support';
import { admin, BASE, bbb, call, encode, hex, nodes, registerServers, resetAll, resetTenants, runPoll, send, sim, SECRET, xml } from './support';

beforeEach(resetAll);

describe('checksums', () => {
  it('accepts all four algorithms; uppercase hex as BBB does', async () => {
    for (const alg of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      expect(await call('isMeetingRunning', { meetingID: 'x1' }, { alg }), alg).toMatchObject({ returncode: 'SUCCESS' });
    }
    const checksum = (await hex('sha1', 'isMeetingRunningmeetingID=x1' + SECRET)).toUpperCase();
    expect(await call('isMeetingRunning', { meetingID: 'x1' }, { checksum })).toMatchObject({ returncode: 'SUCCESS' });
  });

  it('refuses wrong, short, missing, non-hex and duplicate checksums, and algorithms not allowed', async () => {
    const good = await hex('sha1', 'isMeetingRunningmeetingID=x1' + SECRET);
    for (const checksum of ['0'.repeat(40), good.slice(0, 39), '', 'z'.repeat(40), `${good}&checksum=${good}`]) {
      expect(await call('isMeetingRunning', { meetingID: 'x1' }, { checksum }), checksum).toMatchObject({ returncode: 'FAILED', messageKey: 'checksumError' });
    }
    const res = await send(new Request(`${BASE}/bigbluebutton/api/isMeetingRunning?meetingID=x1`));
    expect(await xml(res)).toMatchObject({ messageKey: 'checksumError' });
    expect(await call('isMeetingRunning', { meetingID: 'x1' }, { env: { LOADBALANCER_CHECKSUM_ALGORITHM: 'SHA256' } })).toMatchObject({ messageKey: 'checksumError' });
    expect(await call('isMeetingRunning', { meetingID: 'x1' }, { secret: 'other' })).toMatchObject({ messageKey: 'checksumError' });
  });

  it('accepts any of LOADBALANCER_SECRETS (rotation)', async () => {
    const env = { LOADBALANCER_SECRETS: 'next-secret:spare' };
    expect(await call('isMeetingRunning', { meetingID: 'x1' }, { secret: 'next-secret', env })).toMatchObject({ returncode: 'SUCCESS' });
    expect(await call('isMeetingRunning', { meetingID: 'x1' }, { env })).toMatchObject({ returncode: 'SUCCESS' });
  });

  it('the checksum is verified over the raw query, not a re-encoding', async () => {
    // Same params, three encodings: each is valid only for the string it was computed over.
    for (const raw of ['meetingID=a%20b', 'meetingID=a+b', 'meetingID=a%2Bb']) {
      expect(await call('isMeetingRunning', {}, { rawQuery: raw }), raw).toMatchObject({ returncode: 'SUCCESS' });
    }
    const wrong = await hex('sha1', 'isMeetingRunningmeetingID=a+b' + SECRET);
    expect(await call('isMeetingRunning', {}, { rawQuery: 'meetingID=a%20b', checksum: wrong })).toMatchObject({ messageKey: 'checksumError' });
  });

  it('POST form bodies: BBB canonical rule when the query is empty; query + body params refused', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'form', name: 'Room' });
    // Query empty: the checksum covers the canonical (sorted, URLEncoder) form of the body params.
    const canonical = 'meetingID=form';
    const checksum = await hex('sha1', 'getMeetingInfo' + canonical + SECRET);
    const ok = await send(new Request(`${BASE}/bigbluebutton/api/getMeetingInfo`, { method: 'POST', body: `meetingID=form&checksum=${checksum}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    expect(await xml(ok)).toMatchObject({ returncode: 'SUCCESS', meetingID: 'form' });
    // Scalelite accepted a checksum over "" with unsigned body params; that hole is closed.
    const hole = await hex('sha1', 'getMeetingInfo' + SECRET);
    const refused = await send(new Request(`${BASE}/bigbluebutton/api/getMeetingInfo`, { method: 'POST', body: `meetingID=form&checksum=${hole}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    expect(await xml(refused)).toMatchObject({ messageKey: 'checksumError' });
    const mixed = await call('getMeetingInfo', { meetingID: 'form' }, { method: 'POST', body: 'password=x' });
    expect(mixed).toMatchObject({ messageKey: 'checksumError' });
  });
});

describe('malformed requests answer BBB errors, never a 500', () => {
  it('bad content types', async () => {
    expect(await call('isMeetingRunning', { meetingID: 'x' }, { method: 'POST', body: '{}', contentType: 'application/json' })).toMatchObject({ messageKey: 'unsupportedContentType' });
    expect(await call('insertDocument', { meetingID: 'x' }, { method: 'POST', body: 'a=b', contentType: 'application/x-www-form-urlencoded' })).toMatchObject({ messageKey: 'unsupportedContentType' });
  });

  it('missing, repeated and invalid params', async () => {
    expect(await call('getMeetingInfo', { meetingID: '' })).toMatchObject({ messageKey: 'missingParamMeetingID' });
    expect(await call('getMeetingInfo', [['meetingID', 'a1'], ['meetingID', 'b1']])).toMatchObject({ messageKey: 'validationError' });
    expect(await call('getMeetingInfo', { meetingID: 'a,b' })).toMatchObject({ messageKey: 'validationError' });
    expect(await call('getMeetingInfo', { meetingID: 'x'.repeat(257) })).toMatchObject({ messageKey: 'validationError' });
    expect(await call('getMeetingInfo', {}, { rawQuery: 'meetingID=%E0%A4%A' })).toMatchObject({ messageKey: 'validationError' });
    expect(await call('getMeetingInfo', {}, { rawQuery: 'meetingID=%C3%28' })).toMatchObject({ messageKey: 'validationError' });
  });

  it('oversized queries and bodies', async () => {
    expect(await call('create', { meetingID: 'big', name: 'Room'.repeat(20_000) })).toMatchObject({ returncode: 'FAILED', messageKey: 'validationError' });
    const body = 'meetingID=x&name=' + 'y'.repeat(100_000);
    const res = await send(new Request(`${BASE}/bigbluebutton/api/isMeetingRunning`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    expect(await xml(res)).toMatchObject({ returncode: 'FAILED' });
  });

  it('unknown calls and paths are unsupportedRequest with HTTP 200', async () => {
    for (const path of ['/bigbluebutton/api/create.xml', '/bigbluebutton/api/getDefaultConfigXML', '/bigbluebutton/api/hooks/create', '/unsupportedRequest', '/bigbluebutton/api/__proto__']) {
      const res = await send(new Request(BASE + path));
      expect(await xml(res), path).toMatchObject({ returncode: 'FAILED', messageKey: 'unsupportedRequest', message: 'This request is not supported.' });
    }
  });

  it('a misconfigured Worker answers internalError without naming values', async () => {
    const res = await bbb('isMeetingRunning', { meetingID: 'x' }, { env: { CONNECT_TIMEOUT: 'soon' } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('internalError');
    expect(text).not.toContain('soon');
  });
});

describe('hostile and broken nodes', () => {
  // A node that answers garbage is internalError; one that refuses connections is dead, so its
  // meeting is not running until a create or join re-creates it (docs/node-lifecycle.md).
  const FAULTS = { http500: 'internalError', html: 'internalError', malformed: 'internalError', hostile: 'internalError', huge: 'internalError', noReturncode: 'internalError', refuse: 'notFound' } as const;

  for (const [fault, messageKey] of Object.entries(FAULTS)) {
    it(`getMeetingInfo with a node answering ${fault}: ${messageKey}, no secret leaked`, async () => {
      await registerServers(1);
      await call('create', { meetingID: 'h-1', name: 'Room' });
      await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: fault, sizeBytes: 8 * 1024 * 1024 } });
      const res = await bbb('getMeetingInfo', { meetingID: 'h-1' }, { env: { CONNECT_TIMEOUT: '1', RESPONSE_TIMEOUT: '2' } });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).toContain(`<messageKey>${messageKey}</messageKey>`);
      expect(text).not.toContain(nodes[0]!.secret);
      expect(text).not.toContain('lol');
    });
  }

  it('a poll survives every fault at once and marks those nodes offline', async () => {
    const ids = await registerServers(5);
    const faults = ['timeout', 'html', 'malformed', 'hostile'];
    for (let i = 0; i < faults.length; i++) await sim(`/nodes/${nodes[i]!.id}/fault`, { body: { type: faults[i] } });
    const report = await runPoll({ CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.5', SERVER_UNHEALTHY_THRESHOLD: '1' });
    expect(report).toMatchObject({ servers: 5, online: 1 });
    expect(report.ms).toBeLessThan(5000);
    const { admin } = await import('./support');
    const list = (await admin('getServers')).json as { id: string; online: string }[];
    expect(list.filter((s) => s.online === 'online').map((s) => s.id)).toEqual([ids[4]]);
  });
});

describe('clients as they really encode', () => {
  it("Greenlight's Ruby gem: sorted params, encode_www_form_component", async () => {
    await registerServers(1);
    const params = [['meetingID', 'gl-room 1'], ['name', "Anton's Room (1)*"], ['record', 'true']].sort(([a], [b]) => a!.localeCompare(b!));
    // encode_www_form_component: space '+', '*' kept, everything else outside [A-Za-z0-9-._] escaped.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2A/g, '*');
    const raw = params.map(([k, v]) => `${k}=${enc(v!)}`).join('&');
    expect(await call('create', {}, { rawQuery: raw })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'gl-room 1' });
  });

  it("Moodle: PHP http_build_query ('+' for spaces, '*' escaped) with SHA256", async () => {
    await registerServers(1);
    const raw = 'meetingID=moodle-1&name=Course+%2A+Room&attendeePW=ap&moderatorPW=mp';
    expect(await call('create', {}, { rawQuery: raw, alg: 'sha256' })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'moodle-1' });
  });

  it("Node's querystring ('%20' for spaces)", async () => {
    await registerServers(1);
    expect(await call('create', {}, { rawQuery: encode({ meetingID: 'node 1', name: 'A B' }) })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'node 1' });
  });

  it('the fixed vector from the BBB docs', async () => {
    const raw = 'name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444';
    const secret = '639259d4-9dd8-4b25-bf01-95f9567eaf4b';
    expect(await hex('sha1', 'create' + raw + secret)).toBe('1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17');
    await registerServers(1);
    const res = await send(new Request(`${BASE}/bigbluebutton/api/create?${raw}&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17`), { LOADBALANCER_SECRET: secret });
    expect(await xml(res)).toMatchObject({ returncode: 'SUCCESS', meetingID: 'abc123' });
  });
});

/**
 * Hostile ids and text at every surface (as Unkey's shared security cases): NUL and other control
 * characters, unpaired surrogates, invalid UTF-8, absurd lengths, non-numbers. Postgres refuses NUL,
 * so each must be turned away before storage: a 5xx means only that storage is really down.
 */
describe('hostile ids and text never reach storage', () => {
  const LONG = 'x'.repeat(300);

  describe('JSON admin API, every route', () => {
    const withParams = operations.filter((op) => op.params);
    for (const op of withParams) {
      for (const [label, value] of [['NUL', '%00'], ['control', 'a%01b'], ['too long', LONG]] as const) {
        it(`${op.method.toUpperCase()} ${op.path}: a ${label} path parameter is 400 naming it`, async () => {
          const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'fingerprint' ? '0123456789ab' : value));
          const res = await v1(op.method.toUpperCase(), path, op.body ? {} : undefined, { env: MT_ADMIN_ENV });
          expect(res.status, res.text).toBe(400);
          expect(res.json.error.issues[0].path).toMatch(/^params\./);
        });
      }
    }

    for (const op of operations.filter((o) => o.body)) {
      it(`${op.method.toUpperCase()} ${op.path}: NUL and unpaired surrogates anywhere in the body are 400 naming the field`, async () => {
        const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'fingerprint' ? '0123456789ab' : 'some-id'));
        for (const raw of ['{"name":"a\\u0000b"}', '{"settings":{"create":{"defaults":{"welcome":"\\ud800"}}}}', '{"a\\u0000":1}']) {
          const res = await v1(op.method.toUpperCase(), path, undefined, { env: MT_ADMIN_ENV, raw });
          expect(res.status, `${raw}: ${res.text}`).toBe(400);
          expect(res.json.error).toMatchObject({ code: 'validation_error', issues: [{ path: expect.stringMatching(/^body\./) }] });
        }
      });
    }

    for (const op of operations.filter((o) => o.query && o.method === 'get')) {
      it(`${op.method.toUpperCase()} ${op.path}: hostile query values are 400`, async () => {
        const path = op.path.replace(/\{(\w+)\}/g, 'some-id');
        for (const q of ['tenant=%00', `tenant=${LONG}`, 'limit=abc', 'offset=-1', 'recordID=%00', 'meetingID=a%00', 'status=%ED%A0%80']) {
          const res = await v1('GET', `${path}?${q}`);
          expect(res.status, `${q}: ${res.text}`).toBeLessThan(500);
        }
        expect((await v1('GET', `${path}?tenant=%00`)).status).toBe(400);
      });
    }

    it('the ids of the issue: GET|DELETE /servers/%00 and GET /tenants/%00 are 400, not 503', async () => {
      for (const [method, path] of [['GET', '/servers/%00'], ['DELETE', '/servers/%00'], ['GET', '/tenants/%00']] as const) {
        expect(await v1(method, path), `${method} ${path}`).toMatchObject({ status: 400, json: { error: { code: 'validation_error', issues: [{ path: 'params.id' }] } } });
      }
    });
  });

  describe("Scalelite's admin API", () => {
    beforeEach(resetTenants);
    const MT = { MULTITENANCY_ENABLED: 'true' };
    // [action, body (POST) or undefined (GET), query, status]: bad query ids are not found; bad body text is 400 naming the field.
    const cases: [string, unknown, string, number][] = [
      ['getServerInfo', undefined, `id=%00${'%01'.repeat(30)}`, 404],
      ['getServerInfo', undefined, 'id=%ED%A0%80', 404],
      ['getServerInfo', undefined, `id=${LONG}`, 404],
      ['updateServer', { id: 'a\u0000', server: {} }, '', 400],
      ['updateServer', { id: LONG, server: {} }, '', 404],
      ['deleteServer', { id: '\ud800' }, '', 400],
      ['panicServer', { id: 'a\u0001b' }, '', 400],
      ['addServer', { server: { url: 'https://bbb.example.com/bigbluebutton/api', secret: 's', tag: '\u0000' } }, '', 400],
      ['addServer', { server: { url: 'https://bbb.example.com/bigbluebutton/api', secret: 's', load_multiplier: 'lots' } }, '', 201],
      ['getTenantInfo', undefined, 'id=%00', 404],
      ['getTenantInfo', undefined, `id=${LONG}`, 404],
      ['addTenant', { tenant: { name: 'acme', secrets: 's\u0000' } }, '', 400],
      ['addTenant', { tenant: { name: 'a\u0000', secrets: 's' } }, '', 400],
      ['updateTenant', { id: '\u0000', tenant: {} }, '', 400],
      ['deleteTenant', { id: '\u0000' }, '', 400],
      ['deleteTenant', { id: LONG }, '', 404],
    ];
    for (const [action, body, query, status] of cases) {
      it(`${action} ${query || JSON.stringify(body).slice(0, 60)}: ${status}`, async () => {
        const res = await admin(action, body, query, MT);
        expect(res.status, JSON.stringify(res.json)).toBe(status);
      });
    }
  });

  describe('BBB API', () => {
    const hostile = ['%00', 'a%01b', '%ED%A0%80', '%F0%9F', '%C0%AF', 'x'.repeat(300)];
    const calls: [string, string][] = [
      ['create', 'meetingID'], ['join', 'meetingID'], ['end', 'meetingID'], ['isMeetingRunning', 'meetingID'], ['getMeetingInfo', 'meetingID'],
      ['getRecordings', 'meetingID'], ['getRecordings', 'recordID'], ['getRecordings', 'meta_bbb-context'], ['getRecordings', 'state'],
      ['publishRecordings', 'recordID'], ['updateRecordings', 'recordID'], ['deleteRecordings', 'recordID'], ['getRecordingTextTracks', 'recordID'],
      ['create', 'meta_bbb-recording-ready-url'], ['create', 'name'],
    ];
    for (const [name, param] of calls) {
      it(`${name} with a hostile ${param}: validationError, HTTP 200`, async () => {
        await registerServers(1);
        for (const value of hostile) {
          const rawQuery = `${param}=${value}${param === 'meetingID' || param === 'recordID' ? '' : '&meetingID=m1'}&name=Room&publish=true&fullName=A&role=VIEWER`;
          const res = await bbb(name, {}, { rawQuery });
          const text = await res.text();
          expect(res.status, value).toBe(200);
          expect(text, value).not.toContain('internalError');
          // 300 characters are fine where BBB has no limit (a name, a filter value); the rest is refused.
          if (value !== hostile.at(-1)) expect(text, value).toContain('validationError');
        }
      });
    }

    it('getRecordings paging that is not a number: validationError', async () => {
      for (const q of ['offset=abc', 'limit=-1', 'limit=1e3', 'offset=99999999999', 'limit=%00']) {
        expect(await call('getRecordings', {}, { rawQuery: q }), q).toMatchObject({ returncode: 'FAILED', messageKey: 'validationError' });
      }
    });
  });

  describe('node callbacks, playback and ingest', () => {
    it('an end callback whose parameters hold NUL is 400, not 503; an analytics report with NUL is dropped, not queued', async () => {
      await registerServers(1);
      const allow = { CALLBACK_ALLOW_PRIVATE_URLS: 'true' };
      await call('create', { name: 'Room', meetingID: 'cb-bad', meta_endCallbackUrl: 'https://gl.example/end', 'meta_analytics-callback-url': 'https://gl.example/analytics' }, { env: allow });
      const params = (await sim(`/nodes/${nodes[0]!.id}/meetings/cb-bad`)).params as Record<string, string>;
      const end = await send(new Request(`${params.meta_endCallbackUrl}?meetingID=cb-bad&recordingmarks=%00`));
      expect(end.status).toBe(400);
      const bearer = await hs512Jwt({ exp: Math.floor(Date.now() / 1000) + 60 }, nodes[0]!.secret);
      const report = await send(
        new Request(params['meta_analytics-callback-url']!, { method: 'POST', body: '{"meeting_id":"cb-bad","data":"\\u0000"}', headers: { Authorization: `Bearer ${bearer}` } }),
        allow,
      );
      expect(report.status).toBe(204);
      expect(await services(env).sql.query(`SELECT 1 FROM callback_deliveries WHERE meeting_id = 'cb-bad'`)).toHaveLength(0);
    });

    it('playback: hostile record ids are 404 pages', async () => {
      for (const path of ['/presentation/%00/', '/presentation/a%01b/index.html', `/video/${LONG}/`, '/recording/%00/presentation', '/texttracks/%00/en.vtt',
        '/playback/presentation/2.0/playback.html?meetingId=%00', '/podcast/%ED%A0%80/audio.ogg']) {
        const res = await send(new Request(BASE + path));
        expect(res.status, path).toBe(404);
      }
    });

    it('ingest: hostile record ids are 400 from an authenticated node', async () => {
      const svc = services(env);
      await insertServer(svc.sql, { id: 'node-bad', url: 'https://node-bad.example.com/bigbluebutton/api', secret: 'node-bad-secret', tag: null, loadMultiplier: 1 });
      invalidateServers();
      const client = new IngestClient({ baseUrl: BASE, serverId: 'node-bad', secret: 'node-bad-secret', send: (req) => send(req) });
      for (const target of ['status/%00', 'status/a%01b', `status/${LONG}`, 'status/%ED%A0%80', 'file/%00/presentation/metadata.xml', 'complete/.hidden']) {
        const method = target.startsWith('status') ? 'GET' : target.startsWith('file') ? 'PUT' : 'POST';
        const res = await client.request(method, target, method === 'GET' ? undefined : 'x');
        expect(res.status, target).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code, target).toMatch(/^(bad_request|invalid_path)$/);
      }
    });
  });
});
