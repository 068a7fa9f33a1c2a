import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { listDeliveries } from '../../src/store/callbacks';
import { clearReceiver, received, receiver, script } from './callbacks-support';
import { BASE, call, counters, nodes, registerServers, resetAll, send, sim, startCounting, totalNodeCalls } from './support';

const ALLOW = { CALLBACK_ALLOW_PRIVATE_URLS: 'true' };
const sql = services(env).sql;

beforeEach(async () => {
  await resetAll();
  await sql.query('DELETE FROM callback_deliveries');
  await sql.query('DELETE FROM meeting_callbacks');
  await clearReceiver();
  await registerServers(1);
});

/** The create params the node received (every one except the checksum). */
async function nodeParams(meetingID: string): Promise<Record<string, string>> {
  const snapshot = await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(meetingID)}`);
  return snapshot.params;
}

async function stored(meetingID: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await sql.query('SELECT recording_ready_url, end_callback_url FROM meeting_callbacks WHERE tenant_id = $1 AND meeting_id = $2', [
    'default',
    meetingID,
  ]);
  return row;
}

describe('create captures callbacks', () => {
  it('takes the recording-ready URL away from the node (bn- first, all three removed) and stores it', async () => {
    const r = await call(
      'create',
      {
        meetingID: 'cb-1',
        name: 'Room',
        'meta_canvas-recording-ready-url': 'https://canvas.example/ready',
        'meta_bn-recording-ready-url': 'https://moodle.example/ready?token=s3cret',
        'meta_bbb-recording-ready-url': 'https://gl.example/ready',
        'meta_bbb-origin': 'Moodle',
      },
      { env: ALLOW },
    );
    expect(r.returncode).toBe('SUCCESS');
    const params = await nodeParams('cb-1');
    expect(Object.keys(params).filter((k) => k.includes('recording-ready'))).toEqual([]);
    expect(params['meta_bbb-origin']).toBe('Moodle');
    expect(await stored('cb-1')).toEqual({ recording_ready_url: 'https://moodle.example/ready?token=s3cret', end_callback_url: null });
  });

  it('falls back to the bbb- and canvas- spellings, whatever their case', async () => {
    await call('create', { name: 'Room', meetingID: 'cb-2', 'meta_BBB-Recording-Ready-Url': 'https://gl.example/ready' });
    expect(await stored('cb-2')).toMatchObject({ recording_ready_url: 'https://gl.example/ready' });
    await call('create', { name: 'Room', meetingID: 'cb-3', 'meta_canvas-recording-ready-url': 'https://canvas.example/ready' });
    expect(await stored('cb-3')).toMatchObject({ recording_ready_url: 'https://canvas.example/ready' });
  });

  it('gives the node a balancer URL for the end callback', async () => {
    await call('create', { name: 'Room', meetingID: 'cb-4', meta_endCallbackUrl: 'https://gl.example/meeting_ended?room=1' });
    const given = (await nodeParams('cb-4')).meta_endCallbackUrl!;
    expect(given).toMatch(new RegExp(`^${BASE}/callbacks/end/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(given).not.toContain('gl.example');
    expect(await stored('cb-4')).toEqual({ recording_ready_url: null, end_callback_url: 'https://gl.example/meeting_ended?room=1' });
  });

  it('uses URL_HOST for the end callback URL when set', async () => {
    await call('create', { name: 'Room', meetingID: 'cb-5', meta_endCallbackUrl: 'https://gl.example/end' }, { env: { URL_HOST: 'bbb.example.org' } });
    expect((await nodeParams('cb-5')).meta_endCallbackUrl).toMatch(/^https:\/\/bbb\.example\.org\/callbacks\/end\//);
  });

  it('drops URLs that are not http(s), and private targets unless allowed, without failing the create', async () => {
    const r = await call('create', {
      name: 'Room',
      meetingID: 'cb-6',
      'meta_bn-recording-ready-url': 'javascript:alert(1)',
      meta_endCallbackUrl: 'http://127.0.0.1:9/end',
    });
    expect(r.returncode).toBe('SUCCESS');
    const params = await nodeParams('cb-6');
    expect(params['meta_bn-recording-ready-url']).toBeUndefined();
    expect(params.meta_endCallbackUrl).toBeUndefined();
    expect(await stored('cb-6')).toBeUndefined();
    await call('create', { name: 'Room', meetingID: 'cb-7', meta_endCallbackUrl: 'http://10.1.2.3/end' }, { env: ALLOW });
    expect(await stored('cb-7')).toMatchObject({ end_callback_url: 'http://10.1.2.3/end' });
  });

  it('leaves a create without callbacks untouched and writes nothing', async () => {
    await call('create', { meetingID: 'cb-8', name: 'Plain' });
    expect(await stored('cb-8')).toBeUndefined();
    expect((await nodeParams('cb-8')).meta_endCallbackUrl).toBeUndefined();
  });
});

describe('end callback relay', () => {
  async function createWithEnd(meetingID: string, endUrl: string): Promise<string> {
    await call('create', { name: 'Room', meetingID, meta_endCallbackUrl: endUrl }, { env: ALLOW });
    return (await nodeParams(meetingID)).meta_endCallbackUrl!;
  }

  it('relays the node call to the frontend URL with the node parameters, once', async () => {
    const given = await createWithEnd('end-1', `${receiver}/meeting_ended?room=a%20b`);
    const nodeCall = `${given}?meetingID=end-1&recordingmarks=true`;
    const res = await send(new Request(nodeCall), ALLOW);
    expect(res.status).toBe(200);
    await send(new Request(nodeCall), ALLOW);
    const hits = await received('/meeting_ended');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ method: 'GET', query: 'room=a%20b&meetingID=end-1&recordingmarks=true' });
    const [d] = await listDeliveries(sql, { tenant: 'default' });
    expect(d).toMatchObject({ kind: 'meeting_ended', status: 'delivered', attempts: 1, url: `${receiver}/meeting_ended` });
  });

  it('keeps a failed relay for the cron', async () => {
    await script('/ended-later', [503]);
    const given = await createWithEnd('end-2', `${receiver}/ended-later`);
    expect((await send(new Request(`${given}?meetingID=end-2&recordingmarks=false`), ALLOW)).status).toBe(200);
    const [d] = await listDeliveries(sql, { tenant: 'default' });
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
  });

  it('refuses tokens it did not sign', async () => {
    const given = await createWithEnd('end-3', `${receiver}/meeting_ended`);
    const [head, body] = given.split('/callbacks/end/')[1]!.split('.');
    for (const token of [`${head}.${body}.AAAA`, 'not-a-token', `${head}.${body}`]) {
      const res = await send(new Request(`${BASE}/callbacks/end/${token}?meetingID=end-3`), ALLOW);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'Unknown callback.' });
    }
    // Signed with another secret: refused as well.
    const other = await send(new Request(`${given}?meetingID=end-3`), { ...ALLOW, LOADBALANCER_SECRET: 'another-secret' });
    expect(other.status).toBe(404);
    expect(await received()).toHaveLength(0);
  });

  it('accepts a node call for a meeting whose URL was dropped, and relays nothing', async () => {
    await call('create', { name: 'Room', meetingID: 'end-4', meta_endCallbackUrl: 'https://gl.example/end' });
    const given = (await nodeParams('end-4')).meta_endCallbackUrl!;
    await sql.query('DELETE FROM meeting_callbacks');
    expect((await send(new Request(`${given}?meetingID=end-4`))).status).toBe(200);
    expect(await listDeliveries(sql, { tenant: 'default' })).toEqual([]);
  });
});

describe('round trips (counted at the bridges and the nodes)', () => {
  async function cost(step: () => Promise<unknown>): Promise<{ redis: number; postgres: number; backend: number }> {
    await startCounting();
    await step();
    return { ...(await counters()), backend: await totalNodeCalls() };
  }
  const withCallbacks = (meetingID: string) =>
    call('create', { name: 'Room', meetingID, 'meta_bn-recording-ready-url': `${receiver}/ready`, meta_endCallbackUrl: `${receiver}/ended` }, { env: ALLOW });

  it('create keeps its budget: the callback URLs are one more Postgres write, in waitUntil', async () => {
    await withCallbacks('rt-0'); // warms the server cache
    // New: placement + meeting index (Redis), history + callbacks (Postgres, waitUntil), one node call.
    expect(await cost(() => withCallbacks('rt-1'))).toEqual({ redis: 2, postgres: 2, backend: 1 });
    // Existing: one Redis round trip, the callbacks write, one node call.
    expect(await cost(() => withCallbacks('rt-1'))).toEqual({ redis: 1, postgres: 1, backend: 1 });
  });

  it('an end callback costs 1 Redis round trip (the route: is this still the meeting?) and 3 Postgres (queue, claim, outcome)', async () => {
    await withCallbacks('rt-2');
    const given = (await nodeParams('rt-2')).meta_endCallbackUrl!;
    expect(await cost(() => send(new Request(`${given}?meetingID=rt-2&recordingmarks=false`), ALLOW))).toEqual({ redis: 1, postgres: 3, backend: 0 });
  });
});
