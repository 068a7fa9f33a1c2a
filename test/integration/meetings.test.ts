import { beforeEach, describe, expect, it } from 'vitest';
import { bbb, call, counters, nodeCalls, nodes, quietNow, registerServers, resetAll, runPoll, sim, startCounting, totalNodeCalls, type Xml } from './support';

/** The simulator records the raw query each node received. */
async function lastCall(node: number, name: string): Promise<URLSearchParams> {
  const { recent } = await nodeCalls(node);
  const hit = [...recent].reverse().find((r: { call: string }) => r.call === name);
  if (!hit) throw new Error(`node ${node} got no ${name}`);
  return new URLSearchParams(hit.rawQuery);
}

async function createOn(params: Record<string, string>, env?: Record<string, string>): Promise<Xml> {
  return call('create', { name: 'Room', ...params }, env ? { env } : {});
}

/** The node index (into `nodes`) a meeting was placed on, from the simulator's own state. */
async function nodeOf(meetingID: string): Promise<number> {
  for (let i = 0; i < nodes.length; i++) {
    const { meetings: list } = await sim(`/nodes/${nodes[i]!.id}/meetings`);
    if (list.some((m: { meetingID: string }) => m.meetingID === meetingID)) return i;
  }
  return -1;
}

beforeEach(resetAll);

describe('index', () => {
  it('answers version 2.0 without a checksum, GET and POST', async () => {
    for (const method of ['GET', 'POST']) {
      const { send } = await import('./support');
      const res = await send(new Request('http://lb.example.com/bigbluebutton/api', { method }));
      const body = await res.text();
      expect(res.status).toBe(200);
      expect(body).toContain('<returncode>SUCCESS</returncode>');
      expect(body).toContain('<version>2.0</version>');
      expect(body).not.toContain('<build>');
    }
  });
  it('adds the build number when set', async () => {
    const { send } = await import('./support');
    const res = await send(new Request('http://lb.example.com/bigbluebutton/api/'), { BUILD_NUMBER: 'alpha-1' });
    expect(await res.text()).toContain('<build>alpha-1</build>');
  });
});

describe('create', () => {
  it('requires a meetingID', async () => {
    const r = await call('create', { name: 'Room' });
    expect(r).toMatchObject({ returncode: 'FAILED', messageKey: 'missingParamMeetingID' });
  });

  it('answers internalError when no server is available', async () => {
    const r = await createOn({ meetingID: 'm-1' });
    expect(r).toMatchObject({ returncode: 'FAILED', messageKey: 'internalError', message: 'Could not find any available servers.' });
  });

  it('forwards params, allocates a voice bridge, pins the meeting and counts its load', async () => {
    const [id] = await registerServers(1);
    const r = await createOn({ meetingID: 'test-meeting-1', attendeePW: 'ap', moderatorPW: 'mp', voiceBridge: '1234567' });
    expect(r).toMatchObject({ returncode: 'SUCCESS', meetingID: 'test-meeting-1', moderatorPW: 'mp' });
    const sent = await lastCall(0, 'create');
    expect(sent.get('meetingID')).toBe('test-meeting-1');
    expect(sent.get('moderatorPW')).toBe('mp');
    expect(sent.get('voiceBridge')).toMatch(/^[1-9]\d{8}$/);
    expect(sent.has('meta_server-tag')).toBe(false);
    expect(r.voiceBridge).toBe(sent.get('voiceBridge'));
    // Second create: same server, duplicateWarning from the node, node's createTime untouched.
    const again = await createOn({ meetingID: 'test-meeting-1', attendeePW: 'ap', moderatorPW: 'mp' });
    expect(again).toMatchObject({ returncode: 'SUCCESS', messageKey: 'duplicateWarning', createTime: r.createTime, internalMeetingID: r.internalMeetingID });
    const info = await import('./support').then((s) => s.admin('getServerInfo', undefined, `id=${id}`));
    expect(info.json.load).toBeGreaterThan(0);
  });

  it('passes the node\'s idNotUnique through', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'm-2', attendeePW: 'a', moderatorPW: 'b' });
    const r = await createOn({ meetingID: 'm-2', attendeePW: 'other', moderatorPW: 'b' });
    expect(r).toMatchObject({ returncode: 'FAILED', messageKey: 'idNotUnique' });
  });

  it('uses the external voice bridge when allowed', async () => {
    await registerServers(1);
    const r = await createOn({ meetingID: 'vb-1', voiceBridge: '71234' }, { USE_EXTERNAL_VOICE_BRIDGE: 'true' });
    expect(r.voiceBridge).toBe('71234');
  });

  it('keeps voice bridges unique across the pool', async () => {
    await registerServers(3);
    const pins = new Set<string>();
    for (let i = 0; i < 12; i++) pins.add((await createOn({ meetingID: `pin-${i}`, voiceBridge: '55555' }, { USE_EXTERNAL_VOICE_BRIDGE: 'true', VOICE_BRIDGE_LEN: '5' })).voiceBridge);
    expect(pins.size).toBe(12);
  });

  it('answers internalError when the node times out, and releases the placement', async () => {
    await registerServers(1);
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'timeout' } });
    const r = await createOn({ meetingID: 'slow' }, { CONNECT_TIMEOUT: '0.2', RESPONSE_TIMEOUT: '0.3' });
    expect(r).toMatchObject({ returncode: 'FAILED', messageKey: 'internalError', message: 'Unable to create meeting on server.' });
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'none' } });
    expect(await call('isMeetingRunning', { meetingID: 'slow' })).toMatchObject({ running: 'false' });
  });

  it('applies MAX_MEETING_DURATION as Scalelite', async () => {
    await registerServers(1);
    const env = { MAX_MEETING_DURATION: '3600' };
    for (const [given, expected] of [[undefined, '3600'], ['5000', '3600'], ['0', '3600'], ['1200', '1200']] as const) {
      const meetingID = `d-${given}`;
      await createOn({ meetingID, ...(given ? { duration: given } : {}) }, env);
      expect((await lastCall(0, 'create')).get('duration')).toBe(expected);
    }
  });

  it('applies DEFAULT, OVERRIDE and EXCLUDE create params', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'p-1', param1: 'client', test2: 'x', test4: 'y' }, {
      DEFAULT_CREATE_PARAMS: 'param1=default,param2=default',
      OVERRIDE_CREATE_PARAMS: 'param3=forced',
      CREATE_EXCLUDE_PARAMS: 'test4,test2',
    });
    const sent = await lastCall(0, 'create');
    expect([sent.get('param1'), sent.get('param2'), sent.get('param3'), sent.has('test2'), sent.has('test4')]).toEqual(['client', 'default', 'forced', false, false]);
    await createOn({ meetingID: 'p-2', param1: 'client' }, { OVERRIDE_CREATE_PARAMS: 'param1=forced' });
    expect((await lastCall(0, 'create')).get('param1')).toBe('forced');
  });

  it('forwards a POSTed XML body (pre-uploaded slides) as application/xml', async () => {
    await registerServers(1);
    const body = '<modules><module name="presentation"><document url="https://example.com/a.pdf" filename="a.pdf"/></module></modules>';
    const r = await call('create', { meetingID: 'slides', name: 'Room' }, { method: 'POST', body, contentType: 'text/xml' });
    expect(r.returncode).toBe('SUCCESS');
    const { recent } = await nodeCalls(0);
    const hit = recent.find((x: { call: string }) => x.call === 'create');
    expect(hit).toMatchObject({ method: 'POST', contentType: expect.stringContaining('application/xml') });
    expect(hit.body).toContain('a.pdf');
  });

  it('re-places a meeting whose server went offline (Scalelite #202/#1161)', async () => {
    await registerServers(2);
    await createOn({ meetingID: 'moving' });
    const first = await nodeOf('moving');
    await sim(`/nodes/${nodes[first]!.id}/fault`, { body: { type: 'refuse' } });
    // Two failed polls: SERVER_UNHEALTHY_THRESHOLD (2) declares it offline.
    await runPoll({ CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.3' });
    await runPoll({ CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.3' });
    const r = await createOn({ meetingID: 'moving' });
    expect(r.returncode).toBe('SUCCESS');
    await sim(`/nodes/${nodes[first]!.id}/fault`, { body: { type: 'none' } });
    const createdOn = [0, 1].filter((i) => i !== first)[0]!;
    expect((await lastCall(createdOn, 'create')).get('meetingID')).toBe('moving');
  });

  it('on a cordoned server: keeps a running meeting there, re-places an ended one', async () => {
    const ids = await registerServers(2);
    await createOn({ meetingID: 'running' });
    await createOn({ meetingID: 'idle' });
    const runningNode = await nodeOf('running');
    const idleNode = await nodeOf('idle');
    await sim(`/nodes/${nodes[runningNode]!.id}/meetings/running/users`, { body: { fullName: 'Ann', role: 'MODERATOR' } });
    const { admin } = await import('./support');
    for (const id of ids) await admin('updateServer', { id, server: { state: 'cordon' } });
    await admin('updateServer', { id: ids[runningNode === 0 ? 1 : 0], server: { state: 'enable' } });
    // The meeting with a user keeps its cordoned server.
    await createOn({ meetingID: 'running' });
    expect(await nodeOf('running')).toBe(runningNode);
    // isMeetingRunning is false for the empty one; if it sat on the cordoned node it moves.
    await createOn({ meetingID: 'idle' });
    if (idleNode === runningNode) expect((await lastCall(runningNode === 0 ? 1 : 0, 'create')).get('meetingID')).toBe('idle');
  });
});

describe('tags', () => {
  it('required tag with no such server: serverTagUnavailable', async () => {
    await registerServers(1);
    const r = await createOn({ meetingID: 't-1', 'meta_server-tag': 'test-tag!' });
    expect(r).toMatchObject({ returncode: 'FAILED', messageKey: 'serverTagUnavailable', message: 'There is no available server with the required tag=test-tag.' });
  });
  it('optional tag with no match falls back to untagged servers and drops the tag', async () => {
    await registerServers(2, { tags: ['wrong-tag', null] });
    await createOn({ meetingID: 't-2', 'meta_server-tag': 'test-tag' });
    expect(await nodeOf('t-2')).toBe(1);
    expect((await lastCall(1, 'create')).has('meta_server-tag')).toBe(false);
  });
  it('required tag lands on the tagged server and forwards the tag without !', async () => {
    await registerServers(2, { tags: [null, 'test-tag'] });
    await createOn({ meetingID: 't-3', 'meta_server-tag': 'test-tag!' });
    expect(await nodeOf('t-3')).toBe(1);
    expect((await lastCall(1, 'create')).get('meta_server-tag')).toBe('test-tag');
  });
  it('untagged creates never use tagged servers; `none` selects untagged ones; a;b picks either', async () => {
    await registerServers(3, { tags: ['a', 'b', null] });
    await createOn({ meetingID: 't-4' });
    expect(await nodeOf('t-4')).toBe(2);
    await createOn({ meetingID: 't-5', 'meta_server-tag': 'none!' });
    expect(await nodeOf('t-5')).toBe(2);
    await createOn({ meetingID: 't-6', 'meta_server-tag': 'x;b!' });
    expect(await nodeOf('t-6')).toBe(1);
  });
});

describe('join', () => {
  it('requires a meetingID, and a known meeting', async () => {
    expect(await call('join', { fullName: 'x' })).toMatchObject({ messageKey: 'missingParamMeetingID' });
    expect(await call('join', { meetingID: 'nope', fullName: 'x' })).toMatchObject({ messageKey: 'notFound' });
  });

  it('redirects to the node with a valid checksum, and the node lets the user in', async () => {
    await registerServers(2);
    const created = await createOn({ meetingID: 'j-1', moderatorPW: 'mp' });
    const res = await bbb('join', { meetingID: 'j-1', fullName: 'Ann', password: 'mp', createTime: created.createTime });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    const node = nodes[await nodeOf('j-1')]!;
    expect(location.startsWith(`${node.url}/join?`) || location.startsWith(`${node.url}join?`)).toBe(true);
    // Following the redirect as a browser would: the node validates the checksum and createTime.
    const atNode = await fetch(location, { redirect: 'manual' });
    expect(atNode.status).toBe(302);
    const client = await fetch(atNode.headers.get('location')!, { redirect: 'manual' });
    expect(client.status).toBeLessThan(400);
    expect(await call('isMeetingRunning', { meetingID: 'j-1' })).toMatchObject({ running: 'true' });
  });

  it('applies JOIN params policy', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'j-2' });
    const res = await bbb('join', { meetingID: 'j-2', fullName: 'A', role: 'VIEWER', param1: 'client', test1: 'x' }, {
      env: { DEFAULT_JOIN_PARAMS: 'param1=default,param2=default', OVERRIDE_JOIN_PARAMS: 'param3=forced', JOIN_EXCLUDE_PARAMS: 'test1' },
    });
    const sent = new URL(res.headers.get('location')!).searchParams;
    expect([sent.get('param1'), sent.get('param2'), sent.get('param3'), sent.has('test1')]).toEqual(['client', 'default', 'forced', false]);
  });

  it('refuses joins to an offline or disabled server, allows a cordoned one', async () => {
    const ids = await registerServers(1);
    await createOn({ meetingID: 'j-3' });
    const { admin } = await import('./support');
    await admin('updateServer', { id: ids[0], server: { state: 'cordon' } });
    expect((await bbb('join', { meetingID: 'j-3', fullName: 'A', role: 'VIEWER' })).status).toBe(302);
    await admin('updateServer', { id: ids[0], server: { state: 'disable' } });
    expect(await call('join', { meetingID: 'j-3', fullName: 'A', role: 'VIEWER' })).toMatchObject({ messageKey: 'serverUnavailable', message: 'The server for this meeting is disabled/offline.' });
  });

  it('POST join is unsupported', async () => {
    expect(await call('join', { meetingID: 'x', fullName: 'A' }, { method: 'POST' })).toMatchObject({ messageKey: 'unsupportedRequest' });
  });
});

describe('isMeetingRunning, getMeetingInfo, end, insertDocument', () => {
  it('answers unknown meetings locally', async () => {
    expect(await call('isMeetingRunning', { meetingID: 'nope' })).toEqual({ returncode: 'SUCCESS', running: 'false' });
    expect(await call('getMeetingInfo', { meetingID: 'nope' })).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' });
    expect(await call('end', { meetingID: 'nope', password: 'x' })).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' });
    expect(await call('isMeetingRunning', {})).toMatchObject({ messageKey: 'missingParamMeetingID' });
  });

  it('proxies getMeetingInfo with only the meetingID, keeping the node\'s XML', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'i-1', 'meta_bbb-origin': 'greenlight' });
    await sim(`/nodes/${nodes[0]!.id}/meetings/i-1/users`, { body: { fullName: 'Ann', role: 'MODERATOR', audio: 'voice', video: true } });
    const r = await call('getMeetingInfo', { meetingID: 'i-1', password: 'ignored' });
    expect(r).toMatchObject({ returncode: 'SUCCESS', meetingID: 'i-1', running: 'true', participantCount: '1', videoCount: '1', metadata: { 'bbb-origin': 'greenlight' } });
    expect(r.attendees.attendee[0]).toMatchObject({ fullName: 'Ann', role: 'MODERATOR' });
    expect([...(await lastCall(0, 'getMeetingInfo')).keys()]).toEqual(['meetingID', 'checksum']);
    const post = await call('getMeetingInfo', {}, { method: 'POST', rawQuery: 'meetingID=i-1' });
    expect(post.meetingID).toBe('i-1');
  });

  it('getMeetingInfo and isMeetingRunning: node timeout → internalError, or not running once the retry fails too (MEETING_RECOVERY)', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'i-2' });
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'timeout' } });
    const env = { CONNECT_TIMEOUT: '0.2', RESPONSE_TIMEOUT: '0.3', MEETING_RECOVERY: 'off' };
    for (const name of ['getMeetingInfo', 'isMeetingRunning']) {
      expect(await call(name, { meetingID: 'i-2' }, { env })).toMatchObject({ messageKey: 'internalError', message: 'Unable to access meeting on server.' });
    }
    const recovering = { ...env, MEETING_RECOVERY: 'on' };
    expect(await call('getMeetingInfo', { meetingID: 'i-2' }, { env: recovering })).toMatchObject({ messageKey: 'notFound' });
    expect(await call('isMeetingRunning', { meetingID: 'i-2' }, { env: recovering })).toEqual({ returncode: 'SUCCESS', running: 'false' });
  });

  it('end forwards meetingID and password, then forgets the meeting even if the node times out', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'e-1', moderatorPW: 'test-password' });
    const r = await call('end', { meetingID: 'e-1', password: 'test-password' });
    expect(r).toMatchObject({ returncode: 'SUCCESS', messageKey: 'sentEndMeetingRequest' });
    const sent = await lastCall(0, 'end');
    expect([sent.get('meetingID'), sent.get('password')]).toEqual(['e-1', 'test-password']);
    expect(await call('getMeetingInfo', { meetingID: 'e-1' })).toMatchObject({ messageKey: 'notFound' });
    await createOn({ meetingID: 'e-2' });
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'timeout' } });
    expect(await call('end', { meetingID: 'e-2' }, { env: { CONNECT_TIMEOUT: '0.2', RESPONSE_TIMEOUT: '0.3' } })).toMatchObject({ messageKey: 'internalError' });
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'none' } });
    expect(await call('isMeetingRunning', { meetingID: 'e-2' })).toMatchObject({ running: 'false' });
  });

  it('insertDocument forwards the XML body; GET is unsupported', async () => {
    await registerServers(1);
    await createOn({ meetingID: 'doc' });
    const body = '<modules><module name="presentation"><document url="https://example.com/b.pdf" filename="b.pdf"/></module></modules>';
    const r = await call('insertDocument', { meetingID: 'doc' }, { method: 'POST', body, contentType: 'text/xml' });
    expect(r.returncode).toBe('SUCCESS');
    expect(await call('insertDocument', { meetingID: 'doc' })).toMatchObject({ messageKey: 'unsupportedRequest' });
    expect(await call('insertDocument', { meetingID: 'nope' }, { method: 'POST', body, contentType: 'text/xml' })).toMatchObject({ messageKey: 'notFound' });
  });
});

describe('getMeetings', () => {
  it('no servers: noMeetings', async () => {
    expect(await call('getMeetings')).toMatchObject({ returncode: 'SUCCESS', messageKey: 'noMeetings', message: 'no meetings were found on this server' });
  });

  it('lists meetings of every node, including ones created since the last poll, and not ended ones', async () => {
    await registerServers(2);
    await createOn({ meetingID: 'g-1' });
    await createOn({ meetingID: 'g-2' });
    let r = await call('getMeetings');
    expect(r.meetings.meeting.map((m: Xml) => m.meetingID).sort()).toEqual(['g-1', 'g-2']);
    await runPoll();
    await call('end', { meetingID: 'g-1' });
    r = await call('getMeetings');
    expect(r.meetings.meeting.map((m: Xml) => m.meetingID)).toEqual(['g-2']);
  });

  it('keeps answering when a node is down (Scalelite #498)', async () => {
    await registerServers(2);
    await createOn({ meetingID: 'g-3' });
    await createOn({ meetingID: 'g-4' });
    await runPoll();
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'timeout' } });
    const r = await call('getMeetings');
    expect(r.returncode).toBe('SUCCESS');
    expect(r.meetings.meeting).toHaveLength(2);
  });

  it('GET_MEETINGS_API_DISABLED always answers noMeetings, without a checksum', async () => {
    const { send } = await import('./support');
    const res = await send(new Request('http://lb.example.com/bigbluebutton/api/getMeetings'), { GET_MEETINGS_API_DISABLED: 'true' });
    expect(await res.text()).toContain('<messageKey>noMeetings</messageKey>');
  });
});

describe('round-trip budgets (DESIGN.md), counted at the bridges and the nodes', () => {
  /** Storage round trips (incl. waitUntil work) and backend calls of one request. */
  async function cost(step: () => Promise<unknown>): Promise<{ redis: number; postgres: number; backend: number }> {
    await startCounting();
    await step();
    return { ...(await counters()), backend: await totalNodeCalls() };
  }

  beforeEach(async () => {
    await registerServers(2);
    await createOn({ meetingID: 'b-1', attendeePW: 'ap', moderatorPW: 'mp' });
    // Warms the isolate's server cache, refreshed from Postgres every few seconds, not per request.
    await call('isMeetingRunning', { meetingID: 'b-1' });
  });

  it('join: 1 Redis, 0 Postgres, 0 backend calls', async () => {
    expect(await cost(async () => expect((await bbb('join', { meetingID: 'b-1', fullName: 'A', role: 'VIEWER' })).status).toBe(302))).toEqual({ redis: 1, postgres: 0, backend: 0 });
  });

  it('create (new): 1 Redis round trip for placement and 1 backend call; the meeting index (Redis) and history (Postgres) in waitUntil', async () => {
    expect(await cost(() => createOn({ meetingID: 'b-2' }))).toEqual({ redis: 1 + 1, postgres: 1, backend: 1 });
  });

  it('create (existing): 1 Redis round trip and 1 backend call', async () => {
    expect(await cost(() => createOn({ meetingID: 'b-1', attendeePW: 'ap', moderatorPW: 'mp' }))).toEqual({ redis: 1, postgres: 0, backend: 1 });
  });

  it('isMeetingRunning and getMeetingInfo: 1 Redis round trip and 1 backend call; the answer is shared in waitUntil', async () => {
    const fresh = { env: { MEETING_INFO_CACHE_SECONDS: '0' } };
    for (const name of ['isMeetingRunning', 'getMeetingInfo']) {
      expect(await cost(() => call(name, { meetingID: 'b-1' }, fresh)), name).toEqual({ redis: 1, postgres: 0, backend: 1 });
    }
    // getMeetingInfo's first call shares its answer (+1 in waitUntil); isMeetingRunning's was shared by beforeEach.
    expect(await cost(() => call('getMeetingInfo', { meetingID: 'b-1' }))).toEqual({ redis: 1 + 1, postgres: 0, backend: 1 });
    for (const name of ['isMeetingRunning', 'getMeetingInfo']) {
      expect(await cost(() => call(name, { meetingID: 'b-1' })), name).toEqual({ redis: 1, postgres: 0, backend: 0 });
    }
  });

  it('getMeetings: 1 Redis round trip, 0 backend calls', async () => {
    expect(await cost(() => call('getMeetings'))).toEqual({ redis: 1, postgres: 0, backend: 0 });
  });

  it('poll of N servers: N backend calls, 4 Redis round trips (lock, health, apply, unlock), 1 Postgres read', async () => {
    expect(await cost(() => runPoll({}, quietNow()))).toEqual({ redis: 4, postgres: 1, backend: 2 });
  });
});
