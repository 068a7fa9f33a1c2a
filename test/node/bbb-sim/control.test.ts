import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator';
import { call, control, parse, query, signed, type SimNodeInfo } from './helpers';

let sim: Simulator;
let node: SimNodeInfo;

beforeAll(async () => {
  sim = await startSimulator({ nodes: [{ id: 'alpha', secret: 'alpha-secret' }, {}] });
  node = sim.nodes[0]!;
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const create = (meetingID: string, target = node) => call(signed(target, 'create', query({ name: 'Room', meetingID })));
const info = (meetingID: string, target = node) => call(signed(target, 'getMeetingInfo', query({ meetingID })));

describe('nodes', () => {
  it('lists nodes with their URLs and secrets', async () => {
    const { status, json } = await control(sim, 'GET', '/nodes');
    expect(status).toBe(200);
    expect(json.nodes).toEqual(sim.nodes);
    expect(json.nodes[0]).toEqual({ id: 'alpha', url: `http://127.0.0.1:${node.port}/bigbluebutton/api`, secret: 'alpha-secret', port: node.port });
    expect(json.nodes[1].id).toBe('node-1');
    expect(json.nodes[1].secret).toMatch(/^[0-9a-f]{40}$/);
    expect((await control(sim, 'GET', '/health')).json).toEqual({ ok: true });
  });

  it('adds nodes that answer straight away', async () => {
    const added = await control(sim, 'POST', '/nodes', { count: 2 });
    expect(added.status).toBe(201);
    expect(added.json.nodes).toHaveLength(2);
    for (const n of added.json.nodes as SimNodeInfo[]) expect((await fetch(n.url)).status).toBe(200);
    const custom = await control(sim, 'POST', '/nodes', { nodes: [{ id: 'beta', secret: 'b' }] });
    expect(custom.json.nodes[0]).toMatchObject({ id: 'beta', secret: 'b' });
    const programmatic = await sim.addNodes([{ secret: 'c' }]);
    expect(sim.node(programmatic[0]!.id).info().secret).toBe('c');
  });

  it('rejects bad node requests with 400', async () => {
    for (const body of [{}, { count: -1 }, { count: 1.5 }, { nodes: [{ id: 'alpha' }] }, { nodes: [{ id: 'a/b' }] },
      { nodes: [{ port: 70000 }] }, { nodes: [{ id: 'x' }, { id: 'x' }] }, { nodes: ['x'] }]) {
      const res = await control(sim, 'POST', '/nodes', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const taken = await control(sim, 'POST', '/nodes', { nodes: [{ port: node.port }] });
    expect(taken.status).toBe(400);
    expect(taken.json.error).toMatch(/EADDRINUSE/);
  });

  it('answers 404 for unknown routes and nodes, 405 for wrong methods, 400 for bad JSON', async () => {
    expect((await control(sim, 'GET', '/nope')).status).toBe(404);
    expect((await control(sim, 'GET', '/nodes/ghost/meetings')).status).toBe(404);
    expect((await control(sim, 'DELETE', '/nodes')).status).toBe(405);
    expect((await control(sim, 'POST', '/seed', '{oops')).status).toBe(400);
    expect((await control(sim, 'POST', '/seed', '"text"')).status).toBe(400);
    expect((await control(sim, 'GET', '/nodes/%E0%A4%A/meetings')).status).toBe(400);
  });
});

describe('users', () => {
  it('join and leave with roles and media, moving the counts', async () => {
    await create('m1');
    const base = `/nodes/${node.id}/meetings/m1/users`;
    const mod = await control(sim, 'POST', base, { fullName: 'Mod', role: 'moderator', audio: 'voice', video: true });
    expect(mod.status).toBe(201);
    expect(mod.json).toMatchObject({ fullName: 'Mod', role: 'MODERATOR', isPresenter: true, hasJoinedVoice: true, hasVideo: true });
    expect(mod.json.userID).toMatch(/^w_[a-z0-9]{12}$/);
    const listener = await control(sim, 'POST', base, { fullName: 'Ear', audio: 'listen', userID: 'ext-9' });
    expect(listener.json).toMatchObject({ userID: 'ext-9', role: 'VIEWER', isListeningOnly: true });
    await control(sim, 'POST', base, { fullName: 'Quiet', role: 'VIEWER' });

    expect(await info('m1')).toMatchObject({
      running: 'true', participantCount: '3', moderatorCount: '1', voiceParticipantCount: '1', listenerCount: '1', videoCount: '1',
    });
    expect(await call(signed(node, 'isMeetingRunning', query({ meetingID: 'm1' })))).toMatchObject({ running: 'true' });

    const patched = await control(sim, 'PATCH', `${base}/ext-9`, { audio: 'voice', video: true });
    expect(patched.json).toMatchObject({ hasJoinedVoice: true, isListeningOnly: false, hasVideo: true });
    expect(await info('m1')).toMatchObject({ voiceParticipantCount: '2', listenerCount: '0', videoCount: '2' });

    expect((await control(sim, 'DELETE', `${base}/${mod.json.userID}`)).json).toEqual({ removed: true });
    expect((await control(sim, 'DELETE', `${base}/ext-9`)).status).toBe(200);
    expect((await control(sim, 'DELETE', `${base}/ext-9`)).status).toBe(404);
    expect(await info('m1')).toMatchObject({ participantCount: '1', moderatorCount: '0', hasUserJoined: 'true' });
  });

  it('running goes false again when the last user leaves', async () => {
    await create('m1');
    const { json } = await control(sim, 'POST', `/nodes/${node.id}/meetings/m1/users`, { fullName: 'Solo' });
    await control(sim, 'DELETE', `/nodes/${node.id}/meetings/m1/users/${json.userID}`);
    expect(await info('m1')).toMatchObject({ running: 'false', hasUserJoined: 'true' });
  });

  it('rejects bad user input with 400 and unknown meetings with 404', async () => {
    await create('m1');
    const base = `/nodes/${node.id}/meetings/m1/users`;
    for (const body of [{}, { fullName: ' ' }, { fullName: 'x', role: 'admin' }, { fullName: 'x', audio: 'loud' },
      { fullName: 'x', video: 'yes' }, { fullName: 'x', customdata: { 'bad name': 'v' } }, { fullName: 'x', userID: 5 }]) {
      expect((await control(sim, 'POST', base, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await control(sim, 'POST', `/nodes/${node.id}/meetings/zz/users`, { fullName: 'x' })).status).toBe(404);
    expect((await control(sim, 'PATCH', `${base}/nobody`, { video: true })).status).toBe(404);
  });
});

describe('meetings', () => {
  it('snapshots meetings as JSON, with percent-encoded IDs in the path', async () => {
    await create('room one/€');
    const list = await control(sim, 'GET', `/nodes/${node.id}/meetings`);
    expect(list.json.meetings).toHaveLength(1);
    expect(list.json.meetings[0]).toMatchObject({ meetingID: 'room one/€', name: 'Room', participantCount: 0, running: false });
    const one = await control(sim, 'GET', `/nodes/${node.id}/meetings/${encodeURIComponent('room one/€')}`);
    expect(one.json.params).toMatchObject({ name: 'Room', meetingID: 'room one/€' });
    expect(one.json.params.checksum).toBeUndefined();
  });

  it('ends a meeting from the control side', async () => {
    await create('m1');
    expect((await control(sim, 'POST', `/nodes/${node.id}/meetings/m1/end`)).json).toEqual({ ended: true });
    expect(await info('m1')).toMatchObject({ messageKey: 'notFound' });
    expect((await control(sim, 'POST', `/nodes/${node.id}/meetings/m1/end`)).status).toBe(404);
  });

  it('seeds one node or all of them', async () => {
    const seeded = await control(sim, 'POST', `/nodes/${node.id}/seed`, { meetings: 3, usersPerMeeting: 4 });
    expect(seeded.json.meetingIDs).toEqual(['alpha-seed-1', 'alpha-seed-2', 'alpha-seed-3']);
    const list = parse(await (await fetch(signed(node, 'getMeetings'))).text());
    expect(list.meetings.meeting).toHaveLength(3);
    expect(list.meetings.meeting[0]).toMatchObject({
      participantCount: '4', moderatorCount: '1', voiceParticipantCount: '2', listenerCount: '1', videoCount: '1', running: 'true',
    });
    const all = await control(sim, 'POST', '/seed', { meetings: 2 });
    expect(all.json).toEqual({ meetings: 2 * sim.nodes.length });
    expect(sim.node(node.id).meetings()).toHaveLength(5);
    expect(sim.node(sim.nodes[1]!.id).meetings()[0]).toMatchObject({ participantCount: 0, running: false });
    expect((await control(sim, 'POST', '/seed', { meetings: -1 })).status).toBe(400);
    expect((await control(sim, 'POST', `/nodes/${node.id}/seed`, { usersPerMeeting: 2 })).status).toBe(400);
  });
});

describe('calls', () => {
  it('counts calls and keeps the recent ones with their raw query and body', async () => {
    await create('m1');
    await fetch(node.url);
    await fetch(signed(node, 'insertDocument', query({ meetingID: 'm1' })), {
      method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: `<modules>${'x'.repeat(5000)}</modules>`,
    });
    const { json } = await control(sim, 'GET', `/nodes/${node.id}/calls`);
    expect(json.counts).toEqual({ create: 1, index: 1, insertDocument: 1 });
    expect(json.total).toBe(3);
    expect(json.recent[0]).toMatchObject({ call: 'create', method: 'GET', contentType: null, body: '' });
    expect(json.recent[0].rawQuery).toBe(new URL(signed(node, 'create', query({ name: 'Room', meetingID: 'm1' }))).search.slice(1));
    expect(json.recent[2]).toMatchObject({ call: 'insertDocument', method: 'POST', contentType: 'application/xml', bodyTruncated: true });
    expect(json.recent[2].body).toHaveLength(2048);
    expect(typeof json.recent[0].at).toBe('number');
    expect((await control(sim, 'DELETE', `/nodes/${node.id}/calls`)).json).toEqual({ cleared: true });
    expect((await control(sim, 'GET', `/nodes/${node.id}/calls`)).json).toEqual({ counts: {}, total: 0, recent: [] });
  });

  it('keeps only the last 50', async () => {
    await Promise.all(Array.from({ length: 60 }, () => fetch(node.url)));
    const { json } = await control(sim, 'GET', `/nodes/${node.id}/calls`);
    expect(json.total).toBe(60);
    expect(json.recent).toHaveLength(50);
  });
});

describe('config', () => {
  it('changes the secret, algorithms and version; reset restores them', async () => {
    const res = await control(sim, 'POST', `/nodes/${node.id}/config`, { secret: 'rotated', algorithms: ['sha512'], bbbVersion: '2.7.3' });
    expect(res.json).toMatchObject({ secret: 'rotated', algorithms: ['sha512'], bbbVersion: '2.7.3' });
    const rotated = { ...node, secret: 'rotated' };
    expect(await call(signed(rotated, 'getMeetings', '', 'sha1'))).toMatchObject({ messageKey: 'checksumError' });
    expect(await call(signed(rotated, 'getMeetings', '', 'sha512'))).toMatchObject({ returncode: 'SUCCESS' });
    expect(parse(await (await fetch(node.url)).text()).bbbVersion).toBe('2.7.3');
    await control(sim, 'POST', '/reset');
    expect(await call(signed(node, 'getMeetings'))).toMatchObject({ returncode: 'SUCCESS' });
  });

  it('rejects bad config with 400', async () => {
    for (const body of [{ secret: 1 }, { algorithms: [] }, { algorithms: ['md5'] }, { algorithms: 'sha1' }, { bbbVersion: '' }]) {
      expect((await control(sim, 'POST', `/nodes/${node.id}/config`, body)).status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('reset', () => {
  it('clears meetings, faults and counters on every node', async () => {
    const other = sim.nodes[1]!;
    await create('m1');
    await create('m2', other);
    await control(sim, 'POST', `/nodes/${other.id}/fault`, { type: 'http500' });
    expect((await control(sim, 'POST', '/reset')).json).toEqual({ ok: true });
    expect(sim.node(node.id).meetings()).toEqual([]);
    expect(sim.node(other.id).meetings()).toEqual([]);
    expect(sim.node(other.id).currentFault()).toBeNull();
    expect(sim.node(node.id).callLog().total).toBe(0);
  });
});
