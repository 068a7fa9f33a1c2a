import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ENV, v1 } from './admin-v1-support';
import { BASE, nodes, resetAll } from './support';

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

