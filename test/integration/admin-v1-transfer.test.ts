import { env } from 'cloudflare:workers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { nodes, resetAll, resetTenants } from './support';
import { MT_ADMIN_ENV, tenantV1 as v1 } from './admin-v1-support';

const sql = services(env).sql;

beforeEach(async () => {
  await resetAll();
  await resetTenants();
});
// Other files delete tenants without clearing what references them: leave none behind.
afterAll(resetTenants);

/** Everything the import recreates, in a comparable form. */
async function configuration() {
  const doc = (await v1('GET', '/config/export')).json;
  return { servers: doc.servers, tenants: doc.tenants };
}

async function populate() {
  const a = await v1('POST', '/servers', { url: nodes[0]!.url, secret: nodes[0]!.secret, tag: 'blue', state: 'enabled', loadMultiplier: 2 });
  await v1('POST', '/servers', { url: nodes[1]!.url, secret: nodes[1]!.secret });
  await v1('POST', '/tenants', { name: 'acme', secrets: ['acme-1', 'acme-2'], settings: { serverTag: 'blue', limits: { attendees: 40 } } });
  await v1('POST', '/tenants', { name: 'globex', secrets: ['globex-1'], enabled: false });
  return a.json.id as string;
}

describe('admin API v1: export and import', () => {
  it('export holds servers and tenants with their secrets', async () => {
    await populate();
    const res = await v1('GET', '/config/export');
    expect(res.status).toBe(200);
    expect(res.json.version).toBe(1);
    expect(res.json.servers).toEqual([
      { url: nodes[0]!.url, secret: nodes[0]!.secret, tag: 'blue', state: 'enabled', loadMultiplier: 2 },
      { url: nodes[1]!.url, secret: nodes[1]!.secret, tag: null, state: 'disabled', loadMultiplier: 1 },
    ]);
    expect(res.json.tenants.find((t: { name: string }) => t.name === 'acme')).toEqual({
      name: 'acme',
      enabled: true,
      secrets: ['acme-1', 'acme-2'],
      settings: { serverTag: 'blue', limits: { attendees: 40 } },
    });
    expect((await v1('GET', '/config/export', undefined, { token: null })).status).toBe(401);
  });

  it('export → wipe → import restores servers and tenants; a second import changes nothing', async () => {
    await populate();
    const before = await configuration();
    const doc = (await v1('GET', '/config/export')).json;

    await sql.query('DELETE FROM servers');
    invalidateServers();
    await resetTenants();

    const first = await v1('POST', '/config/import', doc);
    expect(first.status).toBe(200);
    expect(first.json.servers.map((s: { action: string }) => s.action)).toEqual(['create', 'create']);
    expect(first.json.tenants).toEqual([
      { name: 'default', action: 'unchanged' },
      { name: 'acme', action: 'create' },
      { name: 'globex', action: 'create' },
    ]);
    expect(await configuration()).toEqual(before);

    const again = await v1('POST', '/config/import', doc);
    expect([...again.json.servers, ...again.json.tenants].every((i: { action: string }) => i.action === 'unchanged')).toBe(true);
    // The restored server is routable again: enabled, in the Redis mirror.
    expect((await v1('GET', '/servers')).json.servers[0]).toMatchObject({ url: nodes[0]!.url, state: 'enabled', tag: 'blue' });
  });

  it('import updates what differs (servers by URL, tenants by name) and leaves the rest alone', async () => {
    const id = await populate();
    const doc = (await v1('GET', '/config/export')).json;
    doc.servers[0].state = 'cordoned';
    doc.tenants.find((t: { name: string }) => t.name === 'acme').secrets = ['acme-3'];
    const res = await v1('POST', '/config/import', { version: 1, servers: [doc.servers[0]], tenants: doc.tenants.filter((t: { name: string }) => t.name === 'acme') });
    expect(res.json).toEqual({ dryRun: false, servers: [{ url: nodes[0]!.url, action: 'update' }], tenants: [{ name: 'acme', action: 'update' }] });
    expect((await v1('GET', `/servers/${id}`)).json.state).toBe('cordoned');
    const after = (await v1('GET', '/config/export')).json;
    expect(after.tenants.find((t: { name: string }) => t.name === 'acme').secrets).toEqual(['acme-3']);
    expect(after.servers).toHaveLength(2);
    expect(after.tenants).toHaveLength(3);
  });

  it('a proxy basename override round-trips; the dry run shows its change; a taken one is refused', async () => {
    const id = await populate();
    await v1('PATCH', `/servers/${id}`, { proxyBasename: 'room-1' });
    const doc = (await v1('GET', '/config/export')).json;
    expect(doc.servers[0]).toMatchObject({ url: nodes[0]!.url, proxyBasename: 'room-1' });
    // Only set overrides are exported: the other server's entry is as before.
    expect(doc.servers[1]).not.toHaveProperty('proxyBasename');
    expect((await v1('POST', '/config/import', doc)).json.servers.map((s: { action: string }) => s.action)).toEqual(['unchanged', 'unchanged']);

    const cleared = { ...doc, servers: [{ ...doc.servers[0], proxyBasename: undefined }] };
    expect((await v1('POST', '/config/import?dryRun=true', cleared)).json.servers).toEqual([{ url: nodes[0]!.url, action: 'update' }]);
    expect((await v1('GET', `/servers/${id}`)).json.proxyBasename).toBe('room-1');
    expect((await v1('POST', '/config/import', cleared)).status).toBe(200);
    expect((await v1('GET', `/servers/${id}`)).json).toMatchObject({ proxyBasename: '127', proxyBasenameOverridden: false });

    const clash = { version: 1, servers: [{ ...doc.servers[1], proxyBasename: '127' }] };
    expect((await v1('POST', '/config/import', clash)).json.error.code).toBe('basename_taken');
  });

  it('capacities round-trip, only when set; one absent from an imported entry becomes unknown', async () => {
    const id = await populate();
    await v1('PATCH', `/servers/${id}`, { capacityUsers: 400, capacityMeetings: 30 });
    const doc = (await v1('GET', '/config/export')).json;
    expect(doc.servers[0]).toMatchObject({ capacityUsers: 400, capacityMeetings: 30 });
    expect(doc.servers[0]).not.toHaveProperty('capacityVideoStreams');
    expect(doc.servers[1]).not.toHaveProperty('capacityUsers');
    expect((await v1('POST', '/config/import', doc)).json.servers.map((s: { action: string }) => s.action)).toEqual(['unchanged', 'unchanged']);

    const changed = { ...doc, servers: [{ ...doc.servers[0], capacityUsers: undefined, capacityVideoStreams: 200 }] };
    expect((await v1('POST', '/config/import', changed)).json.servers).toEqual([{ url: nodes[0]!.url, action: 'update' }]);
    expect((await v1('GET', `/servers/${id}`)).json).toMatchObject({ capacityUsers: null, capacityMeetings: 30, capacityVideoStreams: 200 });

    await sql.query('DELETE FROM servers');
    invalidateServers();
    await v1('POST', '/config/import', changed);
    const [created] = (await v1('GET', '/servers')).json.servers;
    expect(created).toMatchObject({ url: nodes[0]!.url, capacityUsers: null, capacityMeetings: 30, capacityVideoStreams: 200 });
    const bad = { ...doc, servers: [{ ...doc.servers[0], capacityMeetings: 0 }] };
    expect((await v1('POST', '/config/import', bad)).json.error.issues[0].path).toBe('body.servers.0.capacityMeetings');
  });

  it('?dryRun=true returns the plan and writes nothing', async () => {
    await populate();
    const doc = (await v1('GET', '/config/export')).json;
    await sql.query('DELETE FROM servers');
    invalidateServers();
    await resetTenants();
    const empty = await configuration();
    const plan = await v1('POST', '/config/import?dryRun=true', doc);
    expect(plan.json.dryRun).toBe(true);
    expect(plan.json.servers.map((s: { action: string }) => s.action)).toEqual(['create', 'create']);
    expect(plan.json.tenants.map((t: { action: string }) => t.action)).toEqual(['unchanged', 'create', 'create']);
    expect(await configuration()).toEqual(empty);
  });

  it('a server whose id is taken (SERVER_ID_IS_HOSTNAME, same host): 409, the items before it imported', async () => {
    const env = { ...MT_ADMIN_ENV, SERVER_ID_IS_HOSTNAME: 'true' };
    const servers = ['a', 'b'].map((p) => ({ url: `https://bbb.example.com/${p}/bigbluebutton/api`, secret: 's' }));
    const res = await v1('POST', '/config/import', { version: 1, servers }, { env });
    expect(res).toMatchObject({ status: 409, json: { error: { code: 'conflict' } } });
    expect(res.json.error.message).toContain(servers[1]!.url);
    expect((await configuration()).servers.map((s: { url: string }) => s.url)).toEqual([servers[0]!.url]);
  });

  it('bad documents: 400 with paths, nothing written', async () => {
    const bad = await v1('POST', '/config/import', { version: 2, servers: [{ url: 'nope' }], tenants: [{ name: '' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['body.version', 'body.servers.0.url', 'body.servers.0.secret', 'body.tenants.0.name']),
    );
    expect((await v1('POST', '/config/import?dryRun=yes', { version: 1 })).json.error.issues[0].path).toBe('query.dryRun');
    const twice = { version: 1, servers: [0, 1].map(() => ({ url: nodes[0]!.url, secret: 's' })), tenants: [{ name: 'a' }, { name: 'a' }] };
    expect((await v1('POST', '/config/import', twice)).json.error.issues.map((i: { path: string }) => i.path)).toEqual(['body.servers.1.url', 'body.tenants.1.name']);
    expect((await v1('POST', '/config/import', undefined, { raw: '[' })).json.error.code).toBe('invalid_json');
    expect((await configuration()).servers).toEqual([]);
  });
});
