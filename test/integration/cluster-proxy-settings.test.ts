import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ENV, v1 } from './admin-v1-support';
import { BASE, nodes, resetAll } from './support';
import type { AdminClient } from '../../scripts/cli/client';
import { serverCommands } from '../../scripts/cli/servers';

beforeEach(resetAll);

async function addServer(host: string, state = 'enabled'): Promise<string> {
  const n = nodes[0]!;
  const added = await v1('POST', '/servers', { url: `http://${host}:${n.port}/bigbluebutton/api`, secret: n.secret, state });
  expect(added.status).toBe(201);
  return added.json.id;
}

describe('GET /admin/v1/servers/{id}/proxy-settings', () => {
  it("fills in BBB's cluster proxy settings for the node and URL_HOST", async () => {
    const id = await addServer('bbb-01.example.net');
    const { status, json, text } = await v1('GET', `/servers/${id}/proxy-settings`, undefined, { env: { ...ADMIN_ENV, URL_HOST: 'lb.example.org' } });
    expect(status).toBe(200);
    expect(json).toMatchObject({
      enabled: false,
      proxied: true,
      basename: 'bbb-01',
      clientUrl: 'https://lb.example.org/bbb-01/html5client',
      allowedOrigin: 'https://lb.example.org',
      nodeOrigin: `http://bbb-01.example.net:${nodes[0]!.port}`,
    });
    expect(json.snippets['/etc/bigbluebutton/bbb-web.properties']).toContain('defaultHTML5ClientUrl=https://lb.example.org/bbb-01/html5client/join');
    expect(json.snippets['/etc/bigbluebutton/bbb-html5.yml']).toContain("basename: '/bbb-01/html5client'");
    expect(text).not.toContain(nodes[0]!.secret);
  });

  it("uses the request's origin without URL_HOST, and says when a server is not proxied", async () => {
    const id = await addServer('bbb-02.example.net', 'disabled');
    const { json } = await v1('GET', `/servers/${id}/proxy-settings`, undefined, { env: { ...ADMIN_ENV, CLUSTER_PROXY_ENABLED: 'true' } });
    expect(json).toMatchObject({ enabled: true, proxied: false, allowedOrigin: BASE, clientUrl: `${BASE}/bbb-02/html5client` });
  });

  it('answers 404 for an unknown server', async () => {
    const { status, json } = await v1('GET', '/servers/nope/proxy-settings');
    expect(status).toBe(404);
    expect(json.error.code).toBe('not_found');
  });
});

describe('npx scaleflare servers proxy-settings <server>', () => {
  /** The CLI command against the real Worker: its admin client calls the admin API in this isolate. */
  async function runCli(server: string): Promise<string> {
    const client: AdminClient = {
      origin: BASE,
      async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
        const res = await v1(method, path, body);
        if (res.status !== 200) throw new Error(res.json?.error?.message ?? `HTTP ${res.status}`);
        return res.json as T;
      },
    };
    let printed = '';
    const command = serverCommands.find((c) => c.words.join(' ') === 'servers proxy-settings')!;
    await command.run({
      client,
      out: { json: false, write: (t) => (printed += t) },
      args: [server],
      values: {},
      readInput: async () => '',
      url: BASE,
      env: {},
      hasToken: true,
    });
    return printed;
  }

  it('prints the basename, the client URL and every snippet for the node found by its host', async () => {
    await addServer('bbb-03.example.net');
    const text = await runCli('bbb-03.example.net');
    expect(text).toContain(`client URL:      ${BASE}/bbb-03/html5client`);
    expect(text).toContain('proxied now:     no (CLUSTER_PROXY_ENABLED is off)');
    expect(text).toContain('# /etc/bigbluebutton/bbb-web.properties');
    expect(text).toContain(`defaultHTML5ClientUrl=${BASE}/bbb-03/html5client/join`);
    expect(text).toContain("location =/html5client/locale { return 301 /bbb-03$request_uri; }");
  });
});
