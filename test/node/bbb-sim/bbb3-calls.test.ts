// The simulator's BBB 3.0 calls: sendChatMessage, getSessions and the client's session-token calls.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checksumFor } from '../../support/bbb-sim/checksum';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator';
import { call, childOrder, query, signed, type SimNodeInfo } from './helpers';

let sim: Simulator;
let node: SimNodeInfo;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 1 });
  node = sim.nodes[0]!;
  base = node.url.slice(0, -'/bigbluebutton/api'.length);
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

/** create + join (redirect=false): the sessionToken of a user who has not opened the client yet. */
async function session(meetingID: string, role = 'MODERATOR', fullName = 'Ada'): Promise<string> {
  await call(signed(node, 'create', query({ name: `Room ${meetingID}`, meetingID })));
  const joined = await call(signed(node, 'join', query({ meetingID, fullName, role, redirect: 'false' })));
  return joined.session_token as string;
}

const api = (name: string, params: Record<string, string>, init?: RequestInit) => fetch(`${node.url}/${name}?${query(params)}`, { redirect: 'manual', ...init });
const json = async (res: Response) => (await res.json()) as any;

describe('sendChatMessage', () => {
  it('posts to the meeting chat as "System" unless userName is given, in send-chat-message.ftlx', async () => {
    await call(signed(node, 'create', query({ name: 'Room', meetingID: 'c1' })));
    const res = await fetch(signed(node, 'sendChatMessage', query({ meetingID: 'c1', message: 'Class ends in 5 min' })));
    const body = await res.text();
    expect(childOrder(body)).toEqual(['returncode', 'messageKey', 'message']);
    expect(body).toContain('<returncode>SUCCESS</returncode>');
    await call(signed(node, 'sendChatMessage', query({ meetingID: 'c1', message: 'hi', userName: 'LMS' })));
    expect(sim.node(node.id).meeting('c1').chat.map(({ userName, message }) => [userName, message])).toEqual([
      ['System', 'Class ends in 5 min'],
      ['LMS', 'hi'],
    ]);
  });

  it('checks the checksum, the meeting, the message and the method', async () => {
    await call(signed(node, 'create', query({ name: 'Room', meetingID: 'c1' })));
    expect(await call(`${node.url}/sendChatMessage?meetingID=c1&message=x&checksum=${'0'.repeat(40)}`)).toMatchObject({ messageKey: 'checksumError' });
    expect(await call(signed(node, 'sendChatMessage', query({ meetingID: 'nope', message: 'x' })))).toMatchObject({ messageKey: 'notFound' });
    expect(await call(signed(node, 'sendChatMessage', query({ meetingID: 'c1' })))).toMatchObject({ returncode: 'FAILED', messageKey: 'missingParamMessage' });
    expect(await call(signed(node, 'sendChatMessage', query({ meetingID: 'c1', message: 'x'.repeat(501) })))).toMatchObject({ messageKey: 'validationError' });
    expect((await fetch(signed(node, 'sendChatMessage', query({ meetingID: 'c1', message: 'x' })), { method: 'POST' })).status).toBe(405);
    expect(sim.node(node.id).meeting('c1').chat).toEqual([]);
  });
});

describe('getSessions', () => {
  it('lists every join session with the internal meetingID, or noSessions', async () => {
    const empty = await fetch(signed(node, 'getSessions'));
    const emptyBody = await empty.text();
    expect(childOrder(emptyBody)).toEqual(['returncode', 'sessions', 'messageKey', 'message']);
    expect(emptyBody).toContain('<messageKey>noSessions</messageKey>');
    await session('s1', 'MODERATOR', 'Ada');
    await session('s1', 'VIEWER', 'Bob');
    const r = await call(signed(node, 'getSessions'));
    const internal = sim.node(node.id).meeting('s1').internalMeetingID;
    expect(r.sessions.meeting).toEqual([
      { meetingID: internal, meetingName: 'Room s1', userName: 'Ada' },
      { meetingID: internal, meetingName: 'Room s1', userName: 'Bob' },
    ]);
    expect(await call(`${node.url}/getSessions?checksum=${'0'.repeat(40)}`)).toMatchObject({ messageKey: 'checksumError' });
  });
});

describe('session-token calls (no checksum)', () => {
  it('enter puts the user in the meeting once and answers their session as JSON', async () => {
    const token = await session('e1');
    const res = await api('enter', { sessionToken: token });
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect((await json(res)).response).toMatchObject({ returncode: 'SUCCESS', fullname: 'Ada', externMeetingID: 'e1', role: 'MODERATOR' });
    await api('enter', { sessionToken: token });
    expect(sim.node(node.id).meeting('e1').participantCount).toBe(1);
    expect((await json(await api('enter', { sessionToken: 'unknown' }))).response).toMatchObject({ returncode: 'FAILED', messageKey: 'missingSession' });
  });

  it('stuns answers the ICE servers for a valid session', async () => {
    const token = await session('t1');
    expect(await json(await api('stuns', { sessionToken: token }))).toMatchObject({ stunServers: [{ url: expect.any(String) }], turnServers: [] });
    expect(await json(await api('stuns', { sessionToken: 'unknown' }))).toMatchObject({ returncode: 'FAILED', message: 'Could not find conference.' });
  });

  it('signOut always answers SUCCESS in XML and ends the session', async () => {
    const token = await session('o1');
    const res = await api('signOut', { sessionToken: token });
    expect(await res.text()).toBe('<response><returncode>SUCCESS</returncode></response>');
    expect((await json(await api('stuns', { sessionToken: token }))).returncode).toBe('FAILED');
    expect(await call(`${node.url}/signOut?sessionToken=unknown`)).toEqual({ returncode: 'SUCCESS' });
  });

  it('guestWait sends an allowed session on to its client, or answers JSON with redirect=false', async () => {
    const token = await session('g1');
    const res = await api('guestWait', { sessionToken: token });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${base}/html5client/join?sessionToken=${token}`);
    expect((await json(await api('guestWait', { sessionToken: token, redirect: 'false' }))).response).toMatchObject({ returncode: 'SUCCESS', guestStatus: 'ALLOW' });
    expect((await json(await api('guestWait', { sessionToken: 'unknown' }))).response.returncode).toBe('FAILED');
    expect((await api('guestWait', { sessionToken: token }, { method: 'POST' })).status).toBe(405);
  });

  it('getJoinUrl signs a join for the same user on this node, once the meeting runs', async () => {
    const token = await session('j1', 'VIEWER', 'Bob Jones');
    expect((await json(await api('getJoinUrl', { sessionToken: token }))).response).toEqual({ returncode: 'FAILED', message: 'Meeting not found' });
    await api('enter', { sessionToken: token });
    const r = (await json(await api('getJoinUrl', { sessionToken: token }))).response;
    expect(r).toMatchObject({ returncode: 'SUCCESS', message: 'Join URL provided successfully.' });
    const url = new URL(r.url);
    const q = url.search.slice(1, url.search.indexOf('&checksum='));
    expect(q).toMatch(/^fullName=Bob\+Jones&meetingID=j1&role=VIEWER&redirect=true&userID=w_[a-z0-9]{12}$/);
    expect(url.searchParams.get('checksum')).toBe(checksumFor('join', q, node.secret, 'sha1'));
    expect((await fetch(r.url, { redirect: 'manual' })).status).toBe(302);
    expect((await json(await api('getJoinUrl', { sessionToken: 'unknown' }))).response).toEqual({ returncode: 'FAILED', message: 'Invalid Session' });
  });

  it('learningDashboard gives moderators of a running meeting its data', async () => {
    const mod = await session('l1', 'MODERATOR');
    const viewer = await session('l1', 'VIEWER', 'Bob');
    await api('enter', { sessionToken: mod });
    const r = (await json(await api('learningDashboard', { sessionToken: mod }))).response;
    expect(r.returncode).toBe('SUCCESS');
    expect(JSON.parse(r.data)).toMatchObject({ extId: 'l1', users: ['Ada'] });
    expect((await json(await api('learningDashboard', { sessionToken: viewer }))).response).toEqual({ returncode: 'FAILED', message: 'Access denied' });
  });

  it('feedback (POST) keeps the report of a valid session', async () => {
    const token = await session('f1');
    const res = await api('feedback', { sessionToken: token }, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"rating":5}' });
    expect((await json(res)).response).toEqual({ returncode: 'SUCCESS' });
    expect(sim.node(node.id).meeting('f1').feedback.map((f) => f.body)).toEqual(['{"rating":5}']);
    expect((await api('feedback', { sessionToken: token })).status).toBe(405);
  });
});
