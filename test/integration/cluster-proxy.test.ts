import { beforeEach, describe, expect, it } from 'vitest';
import { v1 } from './admin-v1-support';
import { BASE, admin, bbb, call, counters, nodes, resetAll, resetCounters, runPoll, send, sim } from './support';

const ON = { CLUSTER_PROXY_ENABLED: 'true' };

/** Registers a simulator node under a given host (its basename is the first label), enabled unless told. */
async function addNode(index: number, host: string, enable = true): Promise<string> {
  const n = nodes[index]!;
  const added = await admin('addServer', { server: { url: `http://${host}:${n.port}/bigbluebutton/api`, secret: n.secret } });
  if (added.status !== 201) throw new Error(`addServer: ${added.status} ${JSON.stringify(added.json)}`);
  if (enable) await admin('updateServer', { id: added.json.id, server: { state: 'enable' } });
  return added.json.id;
}

const proxied = (path: string, init: RequestInit = {}, env: Record<string, string> = ON) => send(new Request(`${BASE}${path}`, { redirect: 'manual', ...init }), env);

beforeEach(async () => {
  await resetAll();
  await addNode(0, 'localhost');
});

describe('cluster proxy: HTTP', () => {
  it('is off by default: the paths are not forwarded', async () => {
    const res = await proxied('/localhost/html5client/echo', {}, {});
    await res.arrayBuffer();
    expect(res.headers.get('x-sim-asset')).toBeNull();
  });

  it('forwards method, body and headers, with the node as Host and Origin/Referer rewritten', async () => {
    const res = await proxied('/localhost/html5client/echo?a=1', {
      method: 'POST',
      body: 'hello node',
      headers: {
        'Content-Type': 'text/plain',
        Origin: BASE,
        Referer: `${BASE}/localhost/html5client/join?x=1`,
        'X-Custom': 'kept',
        Connection: 'x-drop',
        'X-Drop': 'hop',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-sim-asset')).toBe('echo');
    const seen = (await res.json()) as { method: string; query: string; body: string; headers: Record<string, string> };
    const node = `http://localhost:${nodes[0]!.port}`;
    // The client keeps its basename on the node (BBB's cluster proxy setup); Origin is the balancer's, which the node allows.
    expect(seen).toMatchObject({ method: 'POST', path: '/localhost/html5client/echo', query: 'a=1', body: 'hello node' });
    expect(seen.headers).toMatchObject({ host: `localhost:${nodes[0]!.port}`, origin: BASE, referer: `${node}/localhost/html5client/join?x=1`, 'x-custom': 'kept' });
    expect(seen.headers['x-drop']).toBeUndefined();
  });

  it('streams a large body through intact', async () => {
    const bytes = 8 * 1024 * 1024 + 123;
    const res = await proxied(`/localhost/html5client/big.bin?bytes=${bytes}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes));
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.length).toBe(bytes);
    expect(body.every((b) => b === 0x78)).toBe(true);
  });

  it('scopes node cookies to the basename and rewrites redirects to the balancer', async () => {
    const cookie = await proxied('/localhost/html5client/cookie');
    expect(await cookie.text()).toBe('cookie set');
    expect(cookie.headers.get('set-cookie')).toBe('sim=1; HttpOnly; Path=/localhost/html5client');
    const redirect = await proxied('/localhost/html5client/redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${BASE}/localhost/html5client/join`);
  });

  it('costs no storage round trip once the server list is cached in the isolate', async () => {
    await (await proxied('/localhost/html5client/echo')).arrayBuffer();
    await resetCounters();
    for (let i = 0; i < 5; i++) await (await proxied('/localhost/html5client/echo')).arrayBuffer();
    expect(await counters()).toEqual({ redis: 0, postgres: 0 });
  });

  it("reaches the node's own BBB API", async () => {
    const res = await proxied('/localhost/bigbluebutton/api');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<returncode>SUCCESS</returncode>');
  });
});

describe('cluster proxy: WebSocket', () => {
  it('bridges an upgrade to the node: messages echo back, closing closes both sides', async () => {
    const res = await proxied('/localhost/html5client/websocket', { headers: { Upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const replies: string[] = [];
    const two = new Promise<void>((resolve) =>
      ws.addEventListener('message', (e) => {
        replies.push(String(e.data));
        if (replies.length === 2) resolve();
      }),
    );
    ws.send('hello');
    ws.send('again');
    await two;
    expect(replies).toEqual(['hello', 'again']);
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
    ws.close(1000, 'done');
    expect(await closed).toBe(1000);
  });

  it("passes binary messages and the node's close through", async () => {
    const res = await proxied('/localhost/html5client/websocket', { headers: { Upgrade: 'websocket' } });
    const ws = res.webSocket!;
    ws.binaryType = 'arraybuffer';
    ws.accept();
    const binary = new Promise<ArrayBuffer>((resolve) => ws.addEventListener('message', (e) => resolve(e.data as ArrayBuffer), { once: true }));
    ws.send(new Uint8Array([1, 2, 3]));
    expect([...new Uint8Array(await binary)]).toEqual([1, 2, 3]);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
    ws.send('close-me');
    expect(await closed).toEqual({ code: 4000, reason: 'closed by node' });
  });

  it('passes a refused upgrade through as the node answered', async () => {
    const res = await proxied('/localhost/html5client/not-a-socket', { headers: { Upgrade: 'websocket' } });
    expect(res.status).not.toBe(101);
    expect(res.webSocket).toBeNull();
    await res.arrayBuffer();
  });
});

describe('cluster proxy: refusals', () => {
  const refused = async (path: string) => {
    const res = await proxied(path);
    expect(res.headers.get('x-sim-asset')).toBeNull();
    await res.arrayBuffer();
    return res.status;
  };

  it('refuses unknown basenames, other paths and escapes from the forwarded paths', async () => {
    expect(await refused('/nope/html5client/echo')).toBe(404);
    expect(await refused('/localhost/html5client/..%2f..%2fhtml5client/echo')).toBe(404);
    expect(await refused('/localhost/html5client/a%5cb')).toBe(404);
    expect(await refused('/localhost/html5client/%2e%2e%2fecho')).toBe(404);
    // Other paths are the balancer's own (its catch-all), never the node's.
    for (const path of ['/localhost/bigbluebutton/apiX', '/localhost/etc/passwd', '/localhost/html5client/../../etc/passwd']) {
      const res = await proxied(path);
      expect(await res.text()).toContain('unsupportedRequest');
    }
  });

  it('does not proxy disabled servers, nor basenames two servers share', async () => {
    await addNode(1, '127.0.0.1', false);
    expect(await refused('/127/html5client/echo')).toBe(404);
    await resetAll();
    await addNode(1, '127.0.0.1');
    await addNode(2, '127.0.0.1');
    expect(await refused('/127/html5client/echo')).toBe(404);
  });
});

describe('cluster proxy: basename override', () => {
  const setBasename = (id: string, proxyBasename: unknown) => v1('PATCH', `/servers/${id}`, { proxyBasename });
  const assetOf = async (path: string) => {
    const res = await proxied(path);
    await res.arrayBuffer();
    return res.headers.get('x-sim-asset');
  };

  it('serves the server under its override only, and under its host label again once cleared', async () => {
    const id = (await v1('GET', '/servers')).json.servers[0].id as string;
    const set = await setBasename(id, 'Room-1');
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ proxyBasename: 'room-1', proxyBasenameOverridden: true });
    expect(await assetOf('/room-1/html5client/echo')).toBe('echo');
    expect(await assetOf('/localhost/html5client/echo')).toBeNull();
    expect((await v1('GET', `/servers/${id}/proxy-settings`)).json).toMatchObject({ basename: 'room-1', clientUrl: `${BASE}/room-1/html5client`, proxied: true });

    expect((await setBasename(id, null)).json).toMatchObject({ proxyBasename: 'localhost', proxyBasenameOverridden: false });
    expect(await assetOf('/localhost/html5client/echo')).toBe('echo');
    expect(await assetOf('/room-1/html5client/echo')).toBeNull();
  });

  it('refuses a basename that is not a DNS label, clearly', async () => {
    const id = (await v1('GET', '/servers')).json.servers[0].id as string;
    for (const bad of ['', '-a', 'a-', 'a/b', 'a.b', 'x'.repeat(64), 7]) {
      const res = await setBasename(id, bad);
      expect(res.status, String(bad)).toBe(400);
      expect(res.json.error.issues[0].path).toBe('body.proxyBasename');
    }
    const add = await v1('POST', '/servers', { url: nodes[1]!.url, secret: nodes[1]!.secret, proxyBasename: '../x' });
    expect(add.status).toBe(400);
  });

  it("refuses a basename another server answers to, by default or by override, and keeps both servers as they were", async () => {
    const first = (await v1('GET', '/servers')).json.servers[0].id as string;
    const second = await addNode(1, '127.0.0.1');
    const taken = await setBasename(second, 'localhost');
    expect(taken.status).toBe(409);
    expect(taken.json.error).toMatchObject({ code: 'basename_taken' });
    expect(taken.json.error.message).toContain('"localhost"');

    expect((await setBasename(first, 'room-1')).status).toBe(200);
    const add = await v1('POST', '/servers', { url: nodes[2]!.url.replace('localhost', 'room-1.local'), secret: 'x', proxyBasename: 'room-1' });
    expect(add.status).toBe(409);
    expect((await v1('GET', '/servers')).json.servers).toHaveLength(2);
    // The second server keeps its default: both are proxied, each under its own name.
    expect(await assetOf('/room-1/html5client/echo')).toBe('echo');
    expect(await assetOf('/127/html5client/echo')).toBe('echo');
  });
});

describe("cluster proxy: the client's session-token calls reach the node that issued the token", () => {
  /** A join through the balancer, followed to the node, as the browser does: the node's sessionToken. */
  async function sessionToken(fullName = 'Ada', role = 'MODERATOR'): Promise<string> {
    const join = await bbb('join', { meetingID: 'proxied', fullName, role }, { env: ON });
    expect(join.status).toBe(302);
    const onNode = await fetch(join.headers.get('location')!, { redirect: 'manual' });
    return new URL(onNode.headers.get('location')!).searchParams.get('sessionToken')!;
  }
  const api = (name: string, token: string, init: RequestInit = {}) => proxied(`/localhost/bigbluebutton/api/${name}?sessionToken=${token}`, init);
  const body = async (res: Response) => {
    expect(res.status).toBe(200);
    return ((await res.json()) as { response: Record<string, unknown> }).response;
  };
  const meeting = () => sim(`/nodes/${nodes[0]!.id}/meetings/proxied`);

  beforeEach(async () => {
    await runPoll();
    await call('create', { meetingID: 'proxied', name: 'Proxied room' }, { env: ON });
  });

  it('enter: the user enters the meeting on the node', async () => {
    const token = await sessionToken();
    expect(await body(await api('enter', token))).toMatchObject({ returncode: 'SUCCESS', fullname: 'Ada', externMeetingID: 'proxied' });
    expect((await meeting()).participantCount).toBe(1);
    expect(await body(await api('enter', 'unknown'))).toMatchObject({ returncode: 'FAILED', messageKey: 'missingSession' });
  });

  it('stuns: the ICE servers of the node', async () => {
    const res = await api('stuns', await sessionToken());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stunServers: [{ url: expect.any(String) }] });
  });

  it('signOut: the session ends on the node', async () => {
    const token = await sessionToken();
    const res = await api('signOut', token);
    expect(await res.text()).toBe('<response><returncode>SUCCESS</returncode></response>');
    expect(await (await api('stuns', token)).json()).toMatchObject({ returncode: 'FAILED' });
  });

  // A node set up for the proxy redirects to its defaultHTML5ClientUrl, already the balancer's; the simulator uses its own origin.
  it("guestWait: the node's redirect to the client of the session, or its JSON", async () => {
    const token = await sessionToken();
    const res = await api('guestWait', token);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`/html5client/join\\?sessionToken=${token}$`));
    expect(await body(await proxied(`/localhost/bigbluebutton/api/guestWait?sessionToken=${token}&redirect=false`))).toMatchObject({ guestStatus: 'ALLOW' });
  });

  it("getJoinUrl: a join for the same user, signed by the node", async () => {
    const token = await sessionToken();
    await api('enter', token);
    const r = await body(await api('getJoinUrl', token));
    expect(r).toMatchObject({ returncode: 'SUCCESS', message: 'Join URL provided successfully.' });
    expect(String(r.url)).toContain(`:${nodes[0]!.port}/bigbluebutton/api/join?fullName=Ada&meetingID=proxied&role=MODERATOR`);
  });

  it("learningDashboard: the meeting's data for its moderator", async () => {
    const token = await sessionToken();
    await api('enter', token);
    const r = await body(await api('learningDashboard', token));
    expect(r.returncode).toBe('SUCCESS');
    expect(JSON.parse(String(r.data))).toMatchObject({ extId: 'proxied', users: ['Ada'] });
  });

  it('feedback: the POSTed report reaches the node as sent', async () => {
    const token = await sessionToken();
    const sent = '{"rating":4,"comment":"clear audio"}';
    expect(await body(await api('feedback', token, { method: 'POST', body: sent, headers: { 'Content-Type': 'application/json' } }))).toEqual({ returncode: 'SUCCESS' });
    expect((await meeting()).feedback.map((f: { body: string }) => f.body)).toEqual([sent]);
  });
});
