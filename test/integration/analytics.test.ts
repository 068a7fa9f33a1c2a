import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { deliverDue } from '../../src/recordings/callbacks/delivery';
import { services } from '../../src/services';
import { v1 } from './admin-v1-support';
import { hs512Claims, hs512Jwt, received, receiver, resetCallbacks, script } from './callbacks-support';
import { call, envWith, nodes, registerServers, resetAll, send, SECRET, sim } from './support';

const ALLOW = { CALLBACK_ALLOW_PRIVATE_URLS: 'true' };
const sql = services(env).sql;

async function nodeParams(meetingID: string): Promise<Record<string, string>> {
  return (await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(meetingID)}`)).params;
}

/** Creates a meeting whose frontend wants analytics at the receiver; the URL the node was given. */
async function createWithAnalytics(meetingID: string, path = '/analytics'): Promise<string> {
  const r = await call('create', { meetingID, name: 'Room', 'meta_analytics-callback-url': `${receiver}${path}?lms=1` }, { env: ALLOW });
  expect(r.returncode).toBe('SUCCESS');
  return (await nodeParams(meetingID))['meta_analytics-callback-url']!;
}

/** The node's report, as BBB posts it. */
async function report(url: string, body: unknown, bearer?: string): Promise<Response> {
  const token = bearer ?? (await hs512Jwt({ exp: Math.floor(Date.now() / 1000) + 3600 }, nodes[0]!.secret));
  return send(
    new Request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } }),
    ALLOW,
  );
}

const REPORT = { version: '1.0', meeting_id: 'an-1', internal_meeting_id: 'int-1', data: { attendees: [{ name: 'A', duration: 60 }] } };

beforeEach(async () => {
  await resetAll();
  await resetCallbacks(sql);
  await registerServers(1);
});

describe('create captures meta_analytics-callback-url', () => {
  it('gives the node the balancer URL and keeps the frontend URL', async () => {
    const url = await createWithAnalytics('an-1');
    expect(url).toMatch(/^http:\/\/lb\.example\.com\/bigbluebutton\/api\/analytics_callback\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(url).not.toContain(receiver);
    const [row] = await sql.query("SELECT analytics_callback_url FROM meeting_callbacks WHERE tenant_id = 'default' AND meeting_id = 'an-1'");
    expect(row?.analytics_callback_url).toBe(`${receiver}/analytics?lms=1`);
  });

  it('uses URL_HOST for the balancer URL when set', async () => {
    const r = await call('create', { meetingID: 'an-2', name: 'Room', 'meta_analytics-callback-url': `${receiver}/a` }, { env: { ...ALLOW, URL_HOST: 'bbb.example.org' } });
    expect(r.returncode).toBe('SUCCESS');
    expect((await nodeParams('an-2'))['meta_analytics-callback-url']).toMatch(/^https:\/\/bbb\.example\.org\/bigbluebutton\/api\/analytics_callback\?token=/);
  });

  it('drops a private or malformed URL: the node gets none and nothing is stored', async () => {
    for (const [id, target] of [['an-3', `${receiver}/a`], ['an-4', 'javascript:alert(1)']] as const) {
      expect((await call('create', { meetingID: id, name: 'Room', 'meta_analytics-callback-url': target })).returncode).toBe('SUCCESS');
      expect(await nodeParams(id)).not.toHaveProperty('meta_analytics-callback-url');
    }
    expect(await sql.query('SELECT 1 FROM meeting_callbacks WHERE analytics_callback_url IS NOT NULL')).toHaveLength(0);
  });
});

describe('analytics_callback relays the node report', () => {
  it('to the frontend URL: the report plus customer, Bearer HS512 {exp: +24 h} signed with the frontend secret, BBB User-Agent; 204 to the node', async () => {
    const url = await createWithAnalytics('an-1');
    const res = await report(url, REPORT);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const [hit, ...more] = await received('/analytics');
    expect(more).toHaveLength(0);
    expect(hit).toMatchObject({ method: 'POST', query: 'lms=1', contentType: 'application/json', userAgent: 'BigBlueButton Analytics Callback' });
    expect(JSON.parse(hit!.body)).toEqual({ ...REPORT, customer: 'scalelite' });
    const claims = await hs512Claims(hit!.authorization!.replace(/^Bearer /, ''), SECRET);
    const inHours = ((claims.exp as number) - Date.now() / 1000) / 3600;
    expect(inHours).toBeGreaterThan(23.9);
    expect(inHours).toBeLessThanOrEqual(24);
  });

  it("while the node's secret rotation is pending, a report signed with the new secret is relayed too", async () => {
    const url = await createWithAnalytics('an-1');
    const id = (await v1('GET', '/servers')).json.servers[0].id;
    expect((await v1('POST', `/servers/${id}/secret-rotation`, { secret: 'rotated-node-secret-0123' })).status).toBe(200);
    const token = await hs512Jwt({ exp: Math.floor(Date.now() / 1000) + 60 }, 'rotated-node-secret-0123');
    expect((await report(url, REPORT, token)).status).toBe(204);
    expect(await received('/analytics')).toHaveLength(1);
  });

  it('once per meeting, however often the node sends it', async () => {
    const url = await createWithAnalytics('an-1');
    expect((await report(url, REPORT)).status).toBe(204);
    expect((await report(url, REPORT)).status).toBe(204);
    expect(await received('/analytics')).toHaveLength(1);
  });

  it('answers 204 but relays nothing without a valid node JWT, meeting token or JSON object', async () => {
    const url = await createWithAnalytics('an-1');
    const expired = await hs512Jwt({ exp: Math.floor(Date.now() / 1000) - 10 }, nodes[0]!.secret);
    const cases: Response[] = [
      await report(url, REPORT, await hs512Jwt({ exp: Math.floor(Date.now() / 1000) + 60 }, 'not-a-node-secret')),
      await report(url, REPORT, expired),
      await report(url, REPORT, 'garbage'),
      await report(url.replace(/token=[^&]+/, 'token=x.y.z'), REPORT),
      await report(url.split('?')[0]!, REPORT),
      await report(url, [1, 2, 3]),
      await report(url, { ...REPORT, padding: 'x'.repeat(4 * 1024 * 1024) }),
      await send(new Request(url, { method: 'POST', body: '{not json', headers: { Authorization: `Bearer ${await hs512Jwt({}, nodes[0]!.secret)}` } }), ALLOW),
    ];
    expect(cases.map((r) => r.status)).toEqual(cases.map(() => 204));
    expect(await received('/analytics')).toHaveLength(0);
    expect(await sql.query("SELECT 1 FROM callback_deliveries WHERE kind = 'analytics'")).toHaveLength(0);
  });

  it('a failing frontend is retried by the deliveries queue until it accepts', async () => {
    await script('/analytics', [503, 200]);
    const url = await createWithAnalytics('an-1');
    expect((await report(url, REPORT)).status).toBe(204);
    const [pending] = await sql.query("SELECT status, attempts, last_status FROM callback_deliveries WHERE kind = 'analytics'");
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, last_status: 503 });

    await sql.query("UPDATE callback_deliveries SET next_attempt_at = now() WHERE kind = 'analytics'");
    expect(await deliverDue(services(envWith(ALLOW)))).toMatchObject({ attempted: 1, delivered: 1 });
    const [done] = await sql.query("SELECT status, attempts FROM callback_deliveries WHERE kind = 'analytics'");
    expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
    expect((await received('/analytics')).map((r) => JSON.parse(r.body).customer)).toEqual(['scalelite', 'scalelite']);
  });
});
