// BBB 3.0's calls at the LMS endpoint: sendChatMessage routed to the meeting's node, getSessions for
// the whole pool, and the client's session-token calls answered nodeSessionCall (docs/compatibility.md).
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { insertTenant } from '../../src/store/tenants';
import { invalidateTenants } from '../../src/tenancy/tenant-cache';
import { bbb, BASE, call, counters, nodeCalls, nodes, registerServers, resetAll, resetTenants, runPoll, send, sim, startCounting, totalNodeCalls } from './support';

const MT = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' };

/** The index (into `nodes`) of the node a meeting runs on, and its snapshot there. */
async function placed(meetingID: string): Promise<{ node: number; meeting: any }> {
  for (let i = 0; i < nodes.length; i++) {
    const { meetings } = await sim(`/nodes/${nodes[i]!.id}/meetings`);
    const meeting = meetings.find((m: { meetingID: string }) => m.meetingID === meetingID);
    if (meeting) return { node: i, meeting };
  }
  throw new Error(`${meetingID} runs nowhere`);
}

/** A user joined on the node (the client is not opened: BBB keeps a session per join). */
async function joinOnNode(meetingID: string, fullName: string): Promise<void> {
  const res = await bbb('join', { meetingID, fullName, role: 'VIEWER' });
  expect(res.status).toBe(302);
  await fetch(res.headers.get('location')!, { redirect: 'manual' });
}

async function cost(step: () => Promise<unknown>): Promise<{ redis: number; postgres: number; backend: number }> {
  await startCounting();
  await step();
  return { ...(await counters()), backend: await totalNodeCalls() };
}

beforeEach(resetAll);

describe('sendChatMessage', () => {
  beforeEach(async () => {
    await registerServers(2);
    await call('create', { meetingID: 'chat-1', name: 'Room' });
    await call('isMeetingRunning', { meetingID: 'chat-1' }); // warms the isolate's server cache
  });

  it("reaches the meeting's node with every parameter, in 1 Redis round trip and 1 node call", async () => {
    let r: any;
    expect(await cost(async () => (r = await call('sendChatMessage', { meetingID: 'chat-1', message: 'Class ends in 5 min', userName: 'LMS', newParam: 'x' }))))
      .toEqual({ redis: 1, postgres: 0, backend: 1 });
    expect(r).toMatchObject({ returncode: 'SUCCESS' });
    const { node, meeting } = await placed('chat-1');
    expect(meeting.chat.map(({ userName, message }: any) => [userName, message])).toEqual([['LMS', 'Class ends in 5 min']]);
    const sent = (await nodeCalls(node)).recent.find((c: { call: string }) => c.call === 'sendChatMessage');
    expect(new URLSearchParams(sent.rawQuery).get('newParam')).toBe('x');
  });

  it("passes the node's refusals through; an unknown meeting is notFound without a node call; GET only, checksummed", async () => {
    expect(await call('sendChatMessage', { meetingID: 'chat-1', message: 'x'.repeat(501) })).toMatchObject({ returncode: 'FAILED', messageKey: 'validationError' });
    expect(await cost(async () => expect(await call('sendChatMessage', { meetingID: 'nope', message: 'hi' })).toMatchObject({ messageKey: 'notFound' })))
      .toMatchObject({ backend: 0 });
    expect(await call('sendChatMessage', { message: 'hi' })).toMatchObject({ messageKey: 'missingParamMeetingID' });
    expect(await call('sendChatMessage', { meetingID: 'chat-1', message: 'hi' }, { secret: 'wrong' })).toMatchObject({ messageKey: 'checksumError' });
    expect(await call('sendChatMessage', { meetingID: 'chat-1', message: 'hi' }, { method: 'POST' })).toMatchObject({ messageKey: 'unsupportedRequest' });
  });

  it("scopes the meetingID to the tenant, so one tenant cannot write into another's meeting", async () => {
    await resetTenants();
    for (const [name, secret] of [['alpha', 'alpha-secret'], ['beta', 'beta-secret']]) await insertTenant(services(env).sql, { name: name!, secrets: [secret!] });
    invalidateTenants();
    const alpha = { host: 'alpha', secret: 'alpha-secret', env: MT };
    await call('create', { meetingID: 'room', name: 'Alpha room' }, alpha);
    expect(await call('sendChatMessage', { meetingID: 'room', message: 'hi' }, alpha)).toMatchObject({ returncode: 'SUCCESS' });
    expect(await call('sendChatMessage', { meetingID: 'room', message: 'hi' }, { host: 'beta', secret: 'beta-secret', env: MT })).toMatchObject({ messageKey: 'notFound' });
    const { meeting } = await placed(`${(await tenantId('alpha'))}~room`);
    expect(meeting.chat).toHaveLength(1);
  });
});

async function tenantId(name: string): Promise<string> {
  const rows = (await services(env).sql.query('SELECT id FROM tenants WHERE name = $1', [name])) as { id: string }[];
  return rows[0]!.id;
}

describe('getSessions', () => {
  it('merges the sessions of every node holding a running meeting, in BBB\'s shape', async () => {
    await registerServers(2);
    for (const id of ['s-1', 's-2', 's-3']) await call('create', { meetingID: id, name: `Room ${id}` });
    expect(new Set(await Promise.all(['s-1', 's-2', 's-3'].map(async (id) => (await placed(id)).node))).size).toBe(2);
    await joinOnNode('s-1', 'Ada');
    await joinOnNode('s-2', 'Bob');
    await joinOnNode('s-3', 'Cy');
    const r = await call('getSessions');
    expect(r.returncode).toBe('SUCCESS');
    const internal = async (id: string) => (await placed(id)).meeting.internalMeetingID;
    expect(new Set(r.sessions.meeting.map((m: any) => `${m.meetingID} ${m.meetingName} ${m.userName}`))).toEqual(
      new Set([`${await internal('s-1')} Room s-1 Ada`, `${await internal('s-2')} Room s-2 Bob`, `${await internal('s-3')} Room s-3 Cy`]),
    );
  });

  it('answers noSessions with an empty pool, calling no node', async () => {
    await registerServers(2);
    let r: any;
    expect(await cost(async () => (r = await call('getSessions')))).toMatchObject({ redis: 1, postgres: 0, backend: 0 });
    expect(r).toMatchObject({ returncode: 'SUCCESS', messageKey: 'noSessions' });
  });

  it('costs 1 Redis round trip and one call per node holding meetings, and leaves out a node that is down', async () => {
    await registerServers(2);
    for (const id of ['d-1', 'd-2', 'd-3', 'd-4']) await call('create', { meetingID: id, name: 'Room' });
    for (const id of ['d-1', 'd-2', 'd-3', 'd-4']) await joinOnNode(id, `User ${id}`);
    await runPoll();
    expect(await cost(() => call('getSessions'))).toEqual({ redis: 1, postgres: 0, backend: 2 });
    const down = (await placed('d-1')).node;
    await sim(`/nodes/${nodes[down]!.id}/fault`, { body: { type: 'refuse' } });
    try {
      const r = await call('getSessions');
      expect(r.returncode).toBe('SUCCESS');
      const users = r.sessions.meeting.map((m: any) => m.userName);
      expect(users.length).toBeGreaterThan(0);
      expect(users).not.toContain('User d-1');
    } finally {
      await sim(`/nodes/${nodes[down]!.id}/fault`, { body: { type: 'none' } });
    }
  });

  it("shows a tenant only its own meetings' sessions", async () => {
    await resetTenants();
    for (const [name, secret] of [['alpha', 'alpha-secret'], ['beta', 'beta-secret']]) await insertTenant(services(env).sql, { name: name!, secrets: [secret!] });
    invalidateTenants();
    await registerServers(1);
    const alpha = { host: 'alpha', secret: 'alpha-secret', env: MT };
    const beta = { host: 'beta', secret: 'beta-secret', env: MT };
    await call('create', { meetingID: 'room', name: 'Alpha room' }, alpha);
    const joined = await bbb('join', { meetingID: 'room', fullName: 'Ada', role: 'VIEWER' }, alpha);
    await fetch(joined.headers.get('location')!, { redirect: 'manual' });
    expect((await call('getSessions', {}, alpha)).sessions.meeting).toEqual([expect.objectContaining({ meetingName: 'Alpha room', userName: 'Ada' })]);
    expect(await call('getSessions', {}, beta)).toMatchObject({ messageKey: 'noSessions' });
  });
});

describe("the client's session-token calls at the LMS endpoint", () => {
  const calls = ['enter', 'stuns', 'signOut', 'guestWait', 'getJoinUrl', 'learningDashboard', 'feedback'];

  it('answer nodeSessionCall (HTTP 200, BBB XML) naming where the call belongs, without any round trip', async () => {
    await registerServers(1);
    for (const name of calls) {
      for (const method of ['GET', 'POST']) {
        let r: any;
        const spent = await cost(async () => {
          const res = await send(new Request(`${BASE}/bigbluebutton/api/${name}?sessionToken=abcdefghijklmnop`, { method }));
          expect(res.status).toBe(200);
          r = await res.text();
        });
        expect(spent, `${method} ${name}`).toEqual({ redis: 0, postgres: 0, backend: 0 });
        expect(r).toContain('<messageKey>nodeSessionCall</messageKey>');
        expect(r).toContain(`${name} is made by the BigBlueButton client to the node that issued its sessionToken`);
      }
    }
  });
});
