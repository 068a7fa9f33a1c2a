/**
 * Rotating a node's secret with no failed call (docs/secret-rotation.md): an LMS keeps calling
 * create, join (the redirect followed to the node, which checks the checksum), getMeetingInfo,
 * isMeetingRunning and end while the rotation is requested, the node switches (the simulator's
 * `bbb-conf --setsecret`) and the new secret is promoted by a call, by the poll or by the admin API.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { IngestClient } from '../../scripts/recordings/ingest-client';
import { v1 } from './admin-v1-support';
import { BASE, bbb, call, counters, hex, nodes, registerServers, resetAll, runPoll, send, sim, startCounting, totalNodeCalls } from './support';

const NO_CACHE = { MEETING_INFO_CACHE_SECONDS: '0' };
let ids: string[];
let round = 0;

beforeEach(async () => {
  await resetAll();
  ids = await registerServers(2);
});

const server = async (i = 0) => (await v1('GET', `/servers/${ids[i]}`)).json;
const rotate = (body: object = {}) => v1('POST', `/servers/${ids[0]}/secret-rotation`, body);
const setNodeSecret = (secret: string) => sim(`/nodes/${nodes[0]!.id}/setsecret`, { body: { secret } });

/** Meetings on both nodes (placement spreads them), so calls reach the rotating node and the other. */
async function meetings(): Promise<string[]> {
  const names = [1, 2, 3, 4].map((n) => `rot-${round}-${n}`);
  for (const meetingID of names) expect(await call('create', { meetingID, name: 'Room', attendeePW: 'ap', moderatorPW: 'mp' })).toMatchObject({ returncode: 'SUCCESS' });
  const onNode = async (i: number) => ((await sim(`/nodes/${nodes[i]!.id}/meetings`)).meetings as unknown[]).length;
  expect(await onNode(0)).toBeGreaterThan(0);
  expect(await onNode(1)).toBeGreaterThan(0);
  return names;
}

/** What an LMS does; every answer must be a success, every join must land in the client. */
async function lms(names: string[]): Promise<string[]> {
  const failed: string[] = [];
  const ok = (what: string, r: { returncode?: string; messageKey?: string }) => r.returncode !== 'SUCCESS' && failed.push(`${what}: ${r.messageKey}`);
  for (const meetingID of names) {
    ok(`create ${meetingID}`, await call('create', { meetingID, name: 'Room', attendeePW: 'ap', moderatorPW: 'mp' }));
    const join = await bbb('join', { meetingID, fullName: 'Ann', password: 'mp' });
    const node = await fetch(join.headers.get('location') ?? 'http://invalid/', { redirect: 'manual' });
    await node.arrayBuffer();
    if (!node.headers.get('location')?.includes('/html5client/join?sessionToken=')) failed.push(`join ${meetingID}: ${node.headers.get('location')}`);
    ok(`getMeetingInfo ${meetingID}`, await call('getMeetingInfo', { meetingID }, { env: NO_CACHE }));
    ok(`isMeetingRunning ${meetingID}`, await call('isMeetingRunning', { meetingID }, { env: NO_CACHE }));
  }
  const fresh = `rot-${round++}-end`;
  ok('create', await call('create', { meetingID: fresh, name: 'Room', attendeePW: 'ap', moderatorPW: 'mp' }));
  ok('end', await call('end', { meetingID: fresh, password: 'mp' }));
  return failed;
}

/** A call straight to the rotating node, signed with `secret`. */
async function nodeAnswer(secret: string): Promise<string> {
  const query = 'meetingID=probe';
  const res = await fetch(`${nodes[0]!.url}/isMeetingRunning?${query}&checksum=${await hex('sha1', `isMeetingRunning${query}${secret}`)}`);
  return /<returncode>(\w+)<\/returncode>/.exec(await res.text())![1]!;
}

/** The recording ingest endpoint's verdict on a request the rotating node signs with `secret`. */
async function ingestStatus(secret: string): Promise<number> {
  const client = new IngestClient({ baseUrl: BASE, serverId: ids[0]!, secret, send: (req) => send(req) });
  const res = await client.request('GET', `status/${'ab'.repeat(20)}-rotation`);
  await res.arrayBuffer();
  return res.status;
}

describe('node secret rotation: no failed call', () => {
  it('promoted by a call once the node switched; the old secret is refused afterwards, by the node and by ingest', async () => {
    const names = await meetings();
    const old = nodes[0]!.secret;
    const started = await rotate();
    expect(started.status).toBe(200);
    const secret = started.json.secret as string;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const pending = started.json.server;
    expect(pending).toMatchObject({ secretRotationPending: true, secretNextFingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(JSON.stringify((await v1('GET', '/servers')).json)).not.toContain(secret);

    expect(await lms(names)).toEqual([]);
    // Pending: node-signed requests are accepted with either secret.
    expect(await ingestStatus(old)).not.toBe(401);
    expect(await ingestStatus(secret)).not.toBe(401);

    await setNodeSecret(secret);
    expect(await lms(names)).toEqual([]);
    const after = await server();
    expect(after).toMatchObject({ secretFingerprint: pending.secretNextFingerprint, secretRotationPending: false, secretNextFingerprint: null });

    expect(await nodeAnswer(old)).toBe('FAILED');
    expect(await nodeAnswer(secret)).toBe('SUCCESS');
    expect(await ingestStatus(old)).toBe(401);
    expect(await ingestStatus(secret)).not.toBe(401);
    expect(await lms(names)).toEqual([]);
  });

  it('a join is the first call after the switch: its probe finds the new secret, the browser gets in, the secret is promoted', async () => {
    const names = await meetings();
    const secret = 'operator-chosen-secret-0123456789';
    const started = await rotate({ secret });
    expect(started.json.secret).toBeUndefined();
    await setNodeSecret(secret);
    const onRotating = (await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings[0].meetingID as string;
    expect(names).toContain(onRotating);
    const join = await bbb('join', { meetingID: onRotating, fullName: 'Ann', password: 'mp' });
    const node = await fetch(join.headers.get('location')!, { redirect: 'manual' });
    await node.arrayBuffer();
    expect(node.headers.get('location')).toContain('/html5client/join?sessionToken=');
    expect((await server()).secretNextFingerprint).toBeNull();
  });

  it('promoted by the poll when no call came first', async () => {
    const names = await meetings();
    const secret = 'poll-promoted-secret-0123456789';
    await rotate({ secret });
    await setNodeSecret(secret);
    await runPoll();
    expect((await server()).secretNextFingerprint).toBeNull();
    expect(await ingestStatus(nodes[0]!.secret)).toBe(401);
    // Nothing lost: the poll still found every meeting, so each is routed and answers.
    expect(await lms(names)).toEqual([]);
  });

  it('promote refuses while the node has not switched, then promotes once it has', async () => {
    const names = await meetings();
    const secret = 'explicitly-promoted-secret-0123';
    await rotate({ secret });
    const early = await v1('POST', `/servers/${ids[0]}/secret-rotation/promote`);
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe('node_not_switched');
    expect(early.text).not.toContain(secret);
    expect((await server()).secretNextFingerprint).not.toBeNull();

    await setNodeSecret(secret);
    const promoted = await v1('POST', `/servers/${ids[0]}/secret-rotation/promote`);
    expect(promoted.status).toBe(200);
    expect(promoted.json.secretNextFingerprint).toBeNull();
    expect(await lms(names)).toEqual([]);
    expect((await v1('POST', `/servers/${ids[0]}/secret-rotation/promote`)).json.error.code).toBe('no_rotation');
  });

  it('cancel drops the pending secret; a second rotation while one is pending is refused; bad input is clear', async () => {
    const names = await meetings();
    const first = await rotate();
    expect((await rotate()).json.error.code).toBe('rotation_pending');
    const cancelled = await v1('DELETE', `/servers/${ids[0]}/secret-rotation`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.secretNextFingerprint).toBeNull();
    expect(await ingestStatus(first.json.secret)).toBe(401);
    expect(await lms(names)).toEqual([]);

    expect((await rotate({ secret: nodes[0]!.secret })).json.error.code).toBe('same_secret');
    expect((await rotate({ secret: '' })).json.error.issues[0].path).toBe('body.secret');
    expect((await rotate({ secret: 'x', extra: 1 })).status).toBe(400);
    expect((await v1('POST', '/servers/nope/secret-rotation', {})).status).toBe(404);
  });

  it('costs nothing extra when no rotation is pending; a pending one adds the join probe only', async () => {
    const names = await meetings();
    const onRotating = (await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings[0].meetingID as string;
    const join = () => bbb('join', { meetingID: onRotating, fullName: 'A', password: 'mp' });
    const cost = async (step: () => Promise<unknown>) => {
      await startCounting();
      await step();
      return { ...(await counters()), backend: await totalNodeCalls() };
    };
    await call('isMeetingRunning', { meetingID: names[0]! });
    expect(await cost(join)).toEqual({ redis: 1, postgres: 0, backend: 0 });
    expect(await cost(() => call('getMeetingInfo', { meetingID: onRotating }, { env: NO_CACHE }))).toMatchObject({ redis: 1, postgres: 0, backend: 1 });

    await rotate({ secret: 'pending-secret-0123456789' });
    await call('isMeetingRunning', { meetingID: names[0]! });
    expect(await cost(join)).toEqual({ redis: 1, postgres: 0, backend: 1 });
  });
});
