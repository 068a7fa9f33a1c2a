import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { nodes, resetAll, runPoll } from './support';
import { OLD_TOKEN, TOKEN, v1 } from './admin-v1-support';

beforeEach(resetAll);

describe('admin API v1: auth and errors', () => {
  it('no ADMIN_TOKEN: every endpoint answers 404 JSON; the OpenAPI document stays public', async () => {
    const r = await v1('GET', '/servers', undefined, { env: {} });
    expect(r).toMatchObject({ status: 404, json: { error: { code: 'admin_api_disabled' } } });
    expect((await v1('GET', '/openapi.json', undefined, { env: {}, token: null })).status).toBe(200);
  });

  it('missing or wrong token: 401; either token of a rotated list works; the token never shows', async () => {
    const none = await v1('GET', '/servers', undefined, { token: null });
    expect(none).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    expect((await v1('GET', '/servers', undefined, { token: 'wrong' })).status).toBe(401);
    expect((await v1('GET', '/servers', undefined, { token: `${OLD_TOKEN}:${TOKEN}` })).status).toBe(401);
    expect((await v1('GET', '/servers', undefined, { token: OLD_TOKEN })).status).toBe(200);
    expect((await v1('GET', '/servers', undefined, { token: TOKEN })).status).toBe(200);
    // After rotation only the new one is accepted.
    expect((await v1('GET', '/servers', undefined, { token: OLD_TOKEN, env: { ADMIN_TOKEN: TOKEN } })).status).toBe(401);
    expect(none.text).not.toContain(TOKEN);
  });

  it('bad JSON, wrong content type, validation errors with field paths, unknown endpoints', async () => {
    expect(await v1('POST', '/servers', undefined, { raw: '{nope' })).toMatchObject({ status: 400, json: { error: { code: 'invalid_json' } } });
    expect(await v1('POST', '/servers', undefined, { raw: '{}', contentType: 'text/plain' })).toMatchObject({
      status: 400,
      json: { error: { code: 'unsupported_content_type' } },
    });
    const bad = await v1('POST', '/servers', { url: 'ftp://x', loadMultiplier: -1, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('validation_error');
    const paths = bad.json.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.url', 'body.secret', 'body.loadMultiplier']));
    expect(await v1('POST', '/tenants', undefined, { raw: `{"name":"${'x'.repeat(5 * 1024 * 1024)}"}` })).toMatchObject({
      status: 413,
      json: { error: { code: 'body_too_large' } },
    });
    expect(await v1('GET', '/nothing-here')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await v1('PUT', '/servers')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect((await v1('GET', '/recordings?limit=0')).json.error.issues[0].path).toBe('query.limit');
  });
});

describe('admin API v1: servers', () => {
  it('add, list with health, get, update, poll now, panic, delete; secrets only as fingerprints', async () => {
    const n = nodes[0]!;
    const added = await v1('POST', '/servers', { url: n.url, secret: n.secret, tag: 'blue' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ url: n.url, tag: 'blue', state: 'disabled', loadMultiplier: 1, health: { online: false, load: null } });
    expect(added.json.secretFingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(added.text).not.toContain(n.secret);
    const id = added.json.id as string;

    expect(await v1('POST', '/servers', { url: n.url, secret: 'x' })).toMatchObject({ status: 409, json: { error: { code: 'conflict' } } });
    const enabled = await v1('PATCH', `/servers/${id}`, { state: 'enabled', loadMultiplier: 2.5, tag: null });
    expect(enabled.json).toMatchObject({ state: 'enabled', loadMultiplier: 2.5, tag: null });
    expect((await v1('PATCH', `/servers/${id}`, { state: 'enable' })).status).toBe(400);

    const polled = await v1('POST', '/poll');
    expect(polled).toMatchObject({ status: 200, json: { servers: 1, online: 1 } });
    const list = await v1('GET', '/servers');
    expect(list.json.servers).toHaveLength(1);
    expect(list.json.servers[0].health).toMatchObject({ online: true, load: 0, failures: 0, lastError: '' });
    expect(list.json.servers[0].health.lastPoll).toMatch(/^\d{4}-/);
    expect(list.text).not.toContain(n.secret);
    expect((await v1('GET', `/servers/${id}`)).json.id).toBe(id);

    const panicked = await v1('POST', `/servers/${id}/panic`, { keepState: true });
    expect(panicked.json).toMatchObject({ meetingsEnded: 0, server: { state: 'enabled' } });
    expect((await v1('POST', `/servers/${id}/panic`)).json.server.state).toBe('disabled');

    expect(await v1('DELETE', `/servers/${id}`)).toMatchObject({ status: 200, json: { ok: true } });
    for (const [m, p] of [['GET', `/servers/${id}`], ['PATCH', `/servers/${id}`], ['DELETE', `/servers/${id}`], ['POST', `/servers/${id}/panic`]] as const) {
      expect(await v1(m, p, m === 'PATCH' ? {} : undefined)).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    }
    await runPoll();
  });
});

describe('admin API v1: server capacity', () => {
  it('unknown (null) unless set; set on add, changed or made unknown again by PATCH, kept by other changes; whole positive numbers only', async () => {
    const n = nodes[0]!;
    const added = await v1('POST', '/servers', { url: n.url, secret: n.secret, capacityUsers: 500, capacityMeetings: 40 });
    expect(added).toMatchObject({ status: 201, json: { capacityUsers: 500, capacityMeetings: 40, capacityVideoStreams: null } });
    const id = added.json.id as string;
    const changed = await v1('PATCH', `/servers/${id}`, { capacityVideoStreams: 300, capacityUsers: null });
    expect(changed.json).toMatchObject({ capacityUsers: null, capacityMeetings: 40, capacityVideoStreams: 300 });
    expect((await v1('PATCH', `/servers/${id}`, { tag: 'x', state: 'enabled' })).json).toMatchObject({ capacityUsers: null, capacityMeetings: 40, capacityVideoStreams: 300 });
    for (const bad of [0, -1, 1.5, '10', 2 ** 31]) {
      const res = await v1('PATCH', `/servers/${id}`, { capacityUsers: bad });
      expect(res, JSON.stringify(bad)).toMatchObject({ status: 400, json: { error: { code: 'validation_error', issues: [{ path: 'body.capacityUsers' }] } } });
    }
    const other = await v1('POST', '/servers', { url: nodes[1]!.url, secret: nodes[1]!.secret });
    expect(other.json).toMatchObject({ capacityUsers: null, capacityMeetings: null, capacityVideoStreams: null });
    expect((await v1('GET', `/servers/${id}`)).json).toMatchObject({ capacityMeetings: 40, capacityVideoStreams: 300 });
    // The Redis mirror a cold isolate falls back on while Postgres is down has them too.
    const mirrored = (await services(env).cluster.mirroredServers()).find((s) => s.id === id);
    expect(mirrored).toMatchObject({ capacityUsers: null, capacityMeetings: 40, capacityVideoStreams: 300 });
  });
});

describe('admin API v1: OpenAPI document', () => {
  it('valid JSON with every path; each operation has its response schema and, with a body, its request schema', async () => {
    const { status, json: doc } = await v1('GET', '/openapi.json', undefined, { token: null });
    expect(status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    const expected: Record<string, string[]> = {
      '/servers': ['get', 'post'],
      '/servers/{id}': ['get', 'patch', 'delete'],
      '/servers/{id}/panic': ['post'],
      '/servers/{id}/drain': ['get', 'post'],
      '/servers/{id}/pending-uploads': ['get'],
      '/servers/{id}/recordings-in-flight': ['get'],
      '/servers/{id}/recordings-in-flight/{recordID}': ['delete'],
      '/servers/{id}/recordings/transfer': ['post'],
      '/servers/{id}/proxy-settings': ['get'],
      '/servers/{id}/secret-rotation': ['post', 'delete'],
      '/servers/{id}/secret-rotation/promote': ['post'],
      '/poll': ['post'],
      '/tenants': ['get', 'post'],
      '/tenants/{id}': ['get', 'patch', 'delete'],
      '/tenants/{id}/secrets': ['get', 'post'],
      '/tenants/{id}/secrets/{fingerprint}': ['delete'],
      '/settings': ['get'],
      '/meetings': ['get'],
      '/meetings/{meetingID}': ['get'],
      '/meetings/{meetingID}/end': ['post'],
      '/recordings': ['get'],
      '/recordings/{recordID}': ['delete'],
      '/recordings/{recordID}/publish': ['post'],
      '/recordings/{recordID}/unpublish': ['post'],
      '/recordings/reindex': ['post'],
      '/callbacks': ['get'],
      '/callbacks/retry': ['post'],
      '/config/export': ['get'],
      '/config/import': ['post'],
      '/usage': ['get'],
      '/overview': ['get'],
      '/servers/{id}/history': ['get'],
    };
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(expected).sort());
    const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path]).sort()).toEqual([...methods].sort());
      for (const m of methods) {
        const op = doc.paths[path][m];
        const ok = op.responses['200'] ?? op.responses['201'];
        expect(resolve(ok.content['application/json'].schema), `${m} ${path}`).toBeTypeOf('object');
        expect(resolve(op.responses['401'].content['application/json'].schema).properties.error).toBeDefined();
        if (m === 'post' || m === 'patch') {
          if (op.requestBody) expect(resolve(op.requestBody.content['application/json'].schema).type).toBe('object');
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          expect(op.parameters.find((p: any) => p.in === 'path' && `{${p.name}}` === name), `${m} ${path} ${name}`).toBeDefined();
        }
      }
    }
    expect(doc.paths['/servers'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(resolve(doc.paths['/servers'].post.requestBody.content['application/json'].schema).required).toEqual(['url', 'secret']);
    expect(doc.paths['/config/export'].get.description).toMatch(/secret/);
    const ids = Object.values(doc.paths).flatMap((ops: any) => Object.values(ops).map((o: any) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    // Every $ref resolves.
    for (const ref of JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []) {
      expect(doc.components.schemas[ref.slice(8, -1).split('/').pop()!], ref).toBeDefined();
    }
  });
});
