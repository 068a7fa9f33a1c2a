import { beforeEach, describe, expect, it } from 'vitest';
import { admin, BASE, call, hex, nodes, registerServers, resetAll, runPoll, send, SECRET, sim } from './support';

beforeEach(resetAll);

const add = (server: Record<string, unknown>) => admin('addServer', { server });

describe("Scalelite's admin API: servers", () => {
  it('getServers with none configured: 404', async () => {
    expect(await admin('getServers')).toEqual({ status: 404, json: { error: 'No servers are configured' } });
  });

  it('addServer: 201, added disabled, multiplier 0 becomes 1, secret never shown', async () => {
    const res = await add({ url: nodes[0]!.url, secret: nodes[0]!.secret, load_multiplier: 0, tag: 'blue' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ url: nodes[0]!.url, tag: 'blue', state: 'disabled', load: 'unavailable', load_multiplier: 1, online: 'offline', bbb_version: '' });
    expect(JSON.stringify(res.json)).not.toContain(nodes[0]!.secret);
    expect(res.json.secret_fingerprint).toMatch(/^[0-9a-f]{12}$/);
    const list = await admin('getServers');
    expect(list.json).toHaveLength(1);
    expect(JSON.stringify(list.json)).not.toContain(nodes[0]!.secret);
  });

  it('addServer errors: missing url/secret 400, missing server key internalError, duplicate URL 400', async () => {
    expect(await add({ url: nodes[0]!.url })).toEqual({ status: 400, json: { error: 'Server needs a URL and a secret' } });
    expect((await admin('addServer', {})).json).toContain('<messageKey>internalError</messageKey>');
    await add({ url: nodes[0]!.url, secret: 's' });
    expect((await add({ url: nodes[0]!.url, secret: 's' })).status).toBe(400);
    expect((await add({ url: 'ftp://x', secret: 's' })).status).toBe(400);
  });

  it('SERVER_ID_IS_HOSTNAME is honoured', async () => {
    const checksum = await hex('sha256', 'addServer' + SECRET);
    const res = await send(
      new Request(`${BASE}/scalelite/api/addServer?checksum=${checksum}`, {
        method: 'POST',
        body: JSON.stringify({ server: { url: 'https://BBB-7.Example.com/bigbluebutton/api', secret: 's' } }),
        headers: { 'Content-Type': 'application/json' },
      }),
      { SERVER_ID_IS_HOSTNAME: 'true' },
    );
    expect((await res.json<{ id: string }>()).id).toBe('bbb-7.example.com');
  });

  it('updateServer: states, multiplier, tag, secret; errors', async () => {
    const { json: s } = await add({ url: nodes[0]!.url, secret: nodes[0]!.secret });
    expect((await admin('updateServer', { id: s.id, server: { state: 'enable' } })).json.state).toBe('enabled');
    await runPoll();
    const info = await admin('getServerInfo', undefined, `id=${s.id}`);
    expect(info.json).toMatchObject({ state: 'enabled', online: 'online', load: 0 });
    expect((await admin('updateServer', { id: s.id, server: { state: 'cordon' } })).json.state).toBe('cordoned');
    expect((await admin('updateServer', { id: s.id, server: { load_multiplier: '2.5', tag: 'x' } })).json).toMatchObject({ load_multiplier: 2.5, tag: 'x' });
    expect((await admin('updateServer', { id: s.id, server: { tag: '' } })).json.tag).toBe('');
    expect(await admin('updateServer', { id: s.id, server: { state: 'bogus' } })).toEqual({ status: 400, json: { error: 'Invalid state parameter: bogus' } });
    expect(await admin('updateServer', { id: s.id, server: { load_multiplier: 0 } })).toEqual({ status: 400, json: { error: 'Load-multiplier must be a non-zero number' } });
    expect(await admin('updateServer', { id: 'nope', server: {} })).toEqual({ status: 404, json: { error: "Couldn't find server with id=nope" } });
    expect((await admin('getServerInfo', undefined, 'id=nope')).status).toBe(404);
  });

  it('capacity (ours, beside Scalelite\'s fields): set by addServer, changed or cleared (null) by updateServer, shown; integers only', async () => {
    const { json: s } = await add({ url: nodes[0]!.url, secret: nodes[0]!.secret, capacity_users: 300, capacity_video_streams: 150 });
    expect(s).toMatchObject({ capacity_users: 300, capacity_meetings: null, capacity_video_streams: 150 });
    const updated = await admin('updateServer', { id: s.id, server: { capacity_meetings: 25, capacity_users: null } });
    expect(updated.json).toMatchObject({ capacity_users: null, capacity_meetings: 25, capacity_video_streams: 150 });
    expect((await admin('updateServer', { id: s.id, server: { state: 'enable' } })).json).toMatchObject({ capacity_meetings: 25, capacity_video_streams: 150 });
    for (const bad of [0, 2.5, '25']) {
      const res = await admin('updateServer', { id: s.id, server: { capacity_meetings: bad } });
      expect(res, JSON.stringify(bad)).toMatchObject({ status: 400, json: { issues: [{ path: 'body.server.capacity_meetings' }] } });
    }
    expect((await admin('getServerInfo', undefined, `id=${s.id}`)).json).toMatchObject({ capacity_users: null, capacity_meetings: 25 });
  });

  it('bodies are checked strictly: a wrong type or an unknown field is 400 naming it, and changes nothing', async () => {
    const [id] = await registerServers(1);
    const cases: [string, unknown, string][] = [
      ['updateServer', { id, server: 'disable' }, 'body.server'],
      ['updateServer', { id, server: { state: 1 } }, 'body.server.state'],
      ['updateServer', { id, server: { sate: 'disable' } }, 'body.server'],
      ['updateServer', { id, server: { url: 'https://elsewhere.example.com/bigbluebutton/api' } }, 'body.server'],
      ['updateServer', { id, server: { tag: ['a'] } }, 'body.server.tag'],
      ['updateServer', { id, server: {}, extra: 1 }, 'body'],
      ['addServer', { server: { url: nodes[1]!.url, secret: 's', state: 'enable' } }, 'body.server'],
      ['addServer', { server: { url: 5, secret: 's' } }, 'body.server.url'],
      ['addServer', { server: { url: nodes[1]!.url, secret: 's\u0000' } }, 'body.server.secret'],
      ['deleteServer', { id: 7 }, 'body.id'],
      ['panicServer', { id, keep_state: 'yes' }, 'body.keep_state'],
      ['pollServers', { now: true }, 'body'],
    ];
    for (const [action, body, path] of cases) {
      const res = await admin(action, body);
      expect(res, `${action} ${JSON.stringify(body)}`).toMatchObject({ status: 400, json: { error: expect.stringContaining(path), issues: [{ path }] } });
    }
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json).toMatchObject({ state: 'enabled' });
    expect((await admin('getServers')).json).toHaveLength(1);
  });

  it('ids that cannot exist are not found, never sent to Postgres (no 503)', async () => {
    await registerServers(1);
    for (const bad of ['%00', '%00abc', 'a%01b', '%ED%A0%80', 'x'.repeat(300)]) {
      const res = await admin('getServerInfo', undefined, `id=${bad}`);
      expect(res.status, bad).toBe(404);
      expect(res.json.error, bad).toMatch(/^Couldn't find server with id=/);
    }
    for (const action of ['updateServer', 'deleteServer', 'panicServer']) {
      expect((await admin(action, { id: 'x'.repeat(300) })).status, action).toBe(404);
      expect((await admin(action, { id: 'a\u0000' })).status, action).toBe(400);
    }
  });

  it('a disabled server receives no new meetings; cordoned neither, but its meetings stay joinable', async () => {
    const ids = await registerServers(2);
    await admin('updateServer', { id: ids[0], server: { state: 'cordon' } });
    for (let i = 0; i < 4; i++) await call('create', { meetingID: `c-${i}`, name: 'Room' });
    expect((await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings).toHaveLength(0);
  });

  it('deleteServer: 200, then gone; 404 for unknown', async () => {
    const [id] = await registerServers(1);
    expect(await admin('deleteServer', { id })).toEqual({ status: 200, json: { success: `Server id=${id} was destroyed` } });
    expect((await admin('getServers')).status).toBe(404);
    expect((await admin('deleteServer', { id })).status).toBe(404);
    expect(await call('create', { meetingID: 'after-delete', name: 'Room' })).toMatchObject({ messageKey: 'internalError' });
  });

  it('panicServer ends and forgets its meetings, disables it; keep_state keeps the state', async () => {
    const [a, b] = await registerServers(2);
    await call('create', { meetingID: 'p-1', name: 'Room', moderatorPW: 'pw' });
    await call('create', { meetingID: 'p-2', name: 'Room', moderatorPW: 'pw' });
    const res = await admin('panicServer', { id: a });
    expect(res).toEqual({ status: 200, json: { success: `Server id=${a} has been disabled and the meetings have been destroyed` } });
    expect((await admin('getServerInfo', undefined, `id=${a}`)).json.state).toBe('disabled');
    // Meetings that were on it are forgotten: a re-create lands on the other server.
    for (const id of ['p-1', 'p-2']) expect((await call('create', { meetingID: id, name: 'Room' })).returncode).toBe('SUCCESS');
    const keep = await admin('panicServer', { id: b, keep_state: true });
    expect(keep.status).toBe(200);
    expect((await admin('getServerInfo', undefined, `id=${b}`)).json.state).toBe('enabled');
    expect(await call('isMeetingRunning', { meetingID: 'p-1' })).toMatchObject({ running: 'false' });
  });

  it('checksums: SHA1 and SHA256 over action+query accepted; wrong secret → XML checksumError; form body → unsupportedContentType', async () => {
    for (const alg of ['sha1', 'sha256'] as const) {
      const checksum = await hex(alg, 'getServers' + SECRET);
      expect((await send(new Request(`${BASE}/scalelite/api/getServers?checksum=${checksum}`))).status).toBe(404);
    }
    const bad = await send(new Request(`${BASE}/scalelite/api/getServers?checksum=${await hex('sha1', 'getServerswrong')}`));
    expect(await bad.text()).toContain('<messageKey>checksumError</messageKey>');
    const form = await send(
      new Request(`${BASE}/scalelite/api/addServer?checksum=${await hex('sha1', 'addServer' + SECRET)}`, {
        method: 'POST',
        body: 'server[url]=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(await form.text()).toContain('<messageKey>unsupportedContentType</messageKey>');
    const wrongMethod = await send(new Request(`${BASE}/scalelite/api/addServer?checksum=${await hex('sha1', 'addServer' + SECRET)}`));
    expect(await wrongMethod.text()).toContain('unsupportedRequest');
  });
});
