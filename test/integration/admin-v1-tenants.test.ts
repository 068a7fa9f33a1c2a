import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { call, registerServers, resetAll, resetTenants } from './support';
import { seed } from './recordings-api-support';
import { env } from 'cloudflare:workers';
import { services } from '../../src/services';
import { ADMIN_ENV, tenantV1 as v1 } from './admin-v1-support';

beforeEach(async () => {
  await resetAll();
  await resetTenants();
});
// Other files delete tenants without clearing what references them: leave none behind.
afterAll(resetTenants);

const settings = { serverTag: 'blue', limits: { meetings: 5 }, create: { defaults: { record: 'false' }, overrides: {}, block: [], max: {} } };

describe('admin API v1: tenants', () => {
  it('add, list, get, update name/enabled/settings, delete; secrets only as fingerprints', async () => {
    const added = await v1('POST', '/tenants', { name: 'acme', secrets: ['acme-secret-1'], settings });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ name: 'acme', enabled: true, settings: { serverTag: 'blue', limits: { meetings: 5 } } });
    expect(added.json.secrets).toEqual([{ fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) }]);
    expect(added.text).not.toContain('acme-secret-1');
    const id = added.json.id as string;

    const list = await v1('GET', '/tenants');
    expect(list.json.tenants.map((t: { name: string }) => t.name)).toEqual(['default', 'acme']);
    expect(list.text).not.toContain('acme-secret-1');
    expect((await v1('GET', `/tenants/${id}`)).json.name).toBe('acme');

    const changed = await v1('PATCH', `/tenants/${id}`, { name: 'acme2', enabled: false, settings: { serverTag: null } });
    expect(changed.json).toMatchObject({ name: 'acme2', enabled: false, settings: { serverTag: null } });
    expect(changed.json.settings.limits).toBeUndefined();

    expect(await v1('DELETE', `/tenants/${id}`)).toMatchObject({ status: 200, json: { ok: true } });
    expect((await v1('GET', `/tenants/${id}`)).status).toBe(404);
  });

  it('failures: duplicate name 409 (add and rename), no secret 400, bad settings 400 with paths, unknown id 404, default tenant kept', async () => {
    const a = (await v1('POST', '/tenants', { name: 'a', secrets: ['s1'] })).json;
    await v1('POST', '/tenants', { name: 'b', secrets: ['s2'] });
    expect(await v1('POST', '/tenants', { name: 'a', secrets: ['s3'] })).toMatchObject({ status: 409, json: { error: { code: 'conflict' } } });
    expect(await v1('PATCH', `/tenants/${a.id}`, { name: 'b' })).toMatchObject({ status: 409, json: { error: { code: 'conflict' } } });
    for (const name of ['Bad Name', 'a.b', '-x', 'x'.repeat(64)]) {
      expect((await v1('POST', '/tenants', { name, secrets: ['s'] })).json.error.issues[0].path, name).toBe('body.name');
    }
    const noSecret = await v1('POST', '/tenants', { name: 'c', secrets: [] });
    expect(noSecret.json.error.issues[0].path).toBe('body.secrets');
    const badSettings = await v1('PATCH', `/tenants/${a.id}`, { settings: { limits: { meetings: -1 }, bogus: 1 } });
    expect(badSettings.status).toBe(400);
    expect(badSettings.json.error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['body.settings.limits.meetings', 'body.settings']));
    for (const [m, body] of [['GET', undefined], ['PATCH', { enabled: true }], ['DELETE', undefined]] as const) {
      expect(await v1(m, '/tenants/nope', body)).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    }
    expect(await v1('DELETE', '/tenants/default')).toMatchObject({ status: 409, json: { error: { code: 'default_tenant' } } });
  });

  it('deleting a tenant that still has recordings: 409, nothing deleted', async () => {
    const t = (await v1('POST', '/tenants', { name: 'rec', secrets: ['s1'] })).json;
    await seed({ recordID: 'tenant-rec-1', tenant: t.id });
    const res = await v1('DELETE', `/tenants/${t.id}`);
    expect(res).toMatchObject({ status: 409, json: { error: { code: 'tenant_in_use' } } });
    expect(res.json.error.message).toContain('1 recording');
    expect((await v1('GET', `/tenants/${t.id}`)).status).toBe(200);
  });

  it('meeting history and callback deliveries do not keep a tenant: they are deleted with it', async () => {
    const t = (await v1('POST', '/tenants', { name: 'hist', secrets: ['s1'] })).json;
    const sql = services(env).sql;
    await sql.query(`INSERT INTO meeting_history (tenant_id, meeting_id, ended_at) VALUES ($1, 'old-room', now())`, [t.id]);
    await sql.query(
      `INSERT INTO callback_deliveries (tenant_id, kind, dedupe_key, meeting_id, url, status, expires_at)
       VALUES ($1, 'meeting_ended', 'k1', 'old-room', 'https://lms.example.com/end', 'delivered', now())`,
      [t.id],
    );
    expect(await v1('DELETE', `/tenants/${t.id}`)).toMatchObject({ status: 200, json: { ok: true } });
    const left = (await sql.query(
      `SELECT (SELECT count(*) FROM meeting_history WHERE tenant_id = $1)::int + (SELECT count(*) FROM callback_deliveries WHERE tenant_id = $1)::int AS n`,
      [t.id],
    )) as { n: number }[];
    expect(left[0]!.n).toBe(0);
  });

  it('while multitenancy is off, every tenant write is 412 naming MULTITENANCY_ENABLED, and nothing changes', async () => {
    const t = (await v1('POST', '/tenants', { name: 'off', secrets: ['s1'] })).json;
    const [fingerprint] = t.secrets.map((s: { fingerprint: string }) => s.fingerprint);
    const writes: [string, string, unknown][] = [
      ['POST', '/tenants', { name: 'other', secrets: ['s'] }],
      ['PATCH', `/tenants/${t.id}`, { enabled: false }],
      ['DELETE', `/tenants/${t.id}`, undefined],
      ['POST', `/tenants/${t.id}/secrets`, { secret: 's2' }],
      ['DELETE', `/tenants/${t.id}/secrets/${fingerprint}`, undefined],
      ['POST', '/config/import', { version: 1, tenants: [{ name: 'third', secrets: ['s'] }] }],
      ['POST', '/config/import?dryRun=true', { version: 1, tenants: [{ name: 'third', secrets: ['s'] }] }],
    ];
    for (const [method, path, body] of writes) {
      const res = await v1(method, path, body, { env: ADMIN_ENV });
      expect(res, `${method} ${path}`).toMatchObject({ status: 412, json: { error: { code: 'multitenancy_disabled' } } });
      expect(res.json.error.message).toContain('MULTITENANCY_ENABLED');
    }
    // Reads still answer, and the default tenant's unchanged entry imports.
    expect((await v1('GET', '/tenants', undefined, { env: ADMIN_ENV })).json.tenants.map((x: { name: string }) => x.name)).toEqual(['default', 'off']);
    const exported = (await v1('GET', '/config/export', undefined, { env: ADMIN_ENV })).json;
    const same = await v1('POST', '/config/import', { version: 1, tenants: exported.tenants.filter((x: { name: string }) => x.name === 'default') }, { env: ADMIN_ENV });
    expect(same.status).toBe(200);
    expect((await v1('GET', `/tenants/${t.id}`)).json).toMatchObject({ enabled: true, secrets: [{ fingerprint }] });
  });

  it('a running meeting keeps the tenant until it ends', async () => {
    await registerServers(1);
    const t = (await v1('POST', '/tenants', { name: 'live', secrets: ['live-secret'] })).json;
    const as = { host: 'live', secret: 'live-secret', env: { MULTITENANCY_ENABLED: 'true' } };
    expect(await call('create', { meetingID: 'live-room', name: 'Room' }, as)).toMatchObject({ returncode: 'SUCCESS' });
    const res = await v1('DELETE', `/tenants/${t.id}`);
    expect(res).toMatchObject({ status: 409, json: { error: { code: 'tenant_in_use', message: expect.stringContaining('1 running meeting') } } });
    expect(await call('end', { meetingID: 'live-room' }, as)).toMatchObject({ returncode: 'SUCCESS' });
    expect((await v1('DELETE', `/tenants/${t.id}`)).status).toBe(200);
  });

  it('secret rotation: add the new one, remove the old one by fingerprint; never the last one', async () => {
    const t = (await v1('POST', '/tenants', { name: 'rot', secrets: ['old-secret'] })).json;
    const [old] = t.secrets;
    const added = await v1('POST', `/tenants/${t.id}/secrets`, { secret: 'new-secret' });
    expect(added.status).toBe(201);
    expect(added.json.secrets).toHaveLength(2);
    expect(added.text).not.toContain('new-secret');
    // Adding the same secret twice keeps one.
    expect((await v1('POST', `/tenants/${t.id}/secrets`, { secret: 'new-secret' })).json.secrets).toHaveLength(2);
    expect((await v1('GET', `/tenants/${t.id}/secrets`)).json.secrets[0]).toEqual(old);

    const removed = await v1('DELETE', `/tenants/${t.id}/secrets/${old.fingerprint}`);
    expect(removed.json.secrets).toEqual([added.json.secrets[1]]);
    expect(await v1('DELETE', `/tenants/${t.id}/secrets/${old.fingerprint}`)).toMatchObject({ status: 404 });
    expect(await v1('DELETE', `/tenants/${t.id}/secrets/${added.json.secrets[1].fingerprint}`)).toMatchObject({
      status: 409,
      json: { error: { code: 'last_secret' } },
    });
    expect((await v1('DELETE', `/tenants/${t.id}/secrets/XYZ`)).json.error.issues[0].path).toBe('params.fingerprint');
    expect((await v1('POST', `/tenants/nope/secrets`, { secret: 'x' })).status).toBe(404);
    expect((await v1('POST', `/tenants/${t.id}/secrets`, { secret: '' })).status).toBe(400);
  });
});

describe('admin API v1: settings', () => {
  it('shows the effective settings without secrets, tokens or connection URLs', async () => {
    const res = await v1('GET', '/settings');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ checksum: { loadBalancerSecrets: 1 }, adminTokens: 2, meetings: { voiceBridgeLength: 9 } });
    for (const secret of ['test-secret', 'admin-token', 'postgres://', 'http://127.0.0.1']) expect(res.text).not.toContain(secret);
  });

  it('shows the feature switches, secrets only as booleans', async () => {
    const off = await v1('GET', '/settings', undefined, { env: ADMIN_ENV });
    expect(off.json.features).toMatchObject({ multitenancy: false, urlHost: null, clusterProxy: false, metricsTokenSet: false, callbackPrivateUrls: false });
    const on = await v1('GET', '/settings', undefined, {
      env: {
        ...ADMIN_ENV,
        MULTITENANCY_ENABLED: 'true',
        URL_HOST: 'lb.test',
        CLUSTER_PROXY_ENABLED: 'true',
        CALLBACK_ALLOW_PRIVATE_URLS: 'true',
        METRICS_TOKEN: 'metrics-token-value',
        PROTECTED_RECORDINGS_ENABLED: 'true',
        RECORDINGS_PUBLIC_URL: 'https://recordings-cdn.example.com',
        LOADBALANCER_CHECKSUM_ALGORITHM: 'SHA256:SHA512',
      },
    });
    expect(on.json.features).toEqual({
      multitenancy: true,
      urlHost: 'lb.test',
      clusterProxy: true,
      checksumAlgorithms: ['sha256', 'sha512'],
      checksumFailureLimit: expect.any(Number),
      recordings: true,
      protectedRecordings: true,
      recordingsPublicUrlSet: true,
      presignedUrls: false,
      recordingSigningKeySet: expect.any(Boolean),
      callbackPrivateUrls: true,
      metricsTokenSet: true,
      adminTokens: 2,
    });
    for (const value of ['metrics-token-value', 'recordings-cdn']) expect(on.text).not.toContain(value);
  });
});
