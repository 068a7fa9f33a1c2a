// Health semantics and self-healing state, against real Postgres and Redis and the simulator:
// thresholds, auto-panic, reconciliation, Redis flush recovery, cordon drain, bbbVersion.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { poll } from '../../src/cluster/poll';
import { shardFanOut } from '../../src/cluster/poll-fan-out';
import { services } from '../../src/services';
import { admin, bbb, call, envWith, nodeCalls, nodes, registerServers, resetAll, runPoll, sim, type Xml } from './support';

beforeEach(resetAll);

const fault = (i: number, body: Record<string, unknown>) => sim(`/nodes/${nodes[i]!.id}/fault`, { body });
const serverOf = (res: Response) => nodes.findIndex((n) => res.headers.get('location')?.startsWith(`${n.url}/`));
/** Node calls give up quickly, so dead nodes cost tests little time. */
const quick = { CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.3' };
const join = (meetingID: string) => bbb('join', { meetingID, fullName: 'Ann', role: 'VIEWER' });
/** A poll far enough ahead that no route is within the reconciliation grace period. */
const later = (overrides: Record<string, string> = {}) => runPoll(overrides, Date.now() + 120_000);

async function createOn(meetingID: string): Promise<number> {
  expect(await call('create', { meetingID, name: meetingID })).toMatchObject({ returncode: 'SUCCESS' });
  return serverOf(await join(meetingID));
}

describe('health thresholds and auto-panic', () => {
  const fast = { SERVER_UNHEALTHY_THRESHOLD: '2', SERVER_PANIC_THRESHOLD: '3' };

  it('offline after the unhealthy threshold: joins answer serverUnavailable, a re-create lands elsewhere', async () => {
    await registerServers(2);
    const on = await createOn('th-1');
    await fault(on, { type: 'timeout' });
    const first = await runPoll({ ...fast, ...quick });
    expect(first.online).toBe(1);
    // One failed poll is below the threshold: the server still counts as online.
    expect((await join('th-1')).status).toBe(302);
    await runPoll({ ...fast, ...quick });
    const off = { env: { MEETING_RECOVERY: 'off' } };
    expect(await call('join', { meetingID: 'th-1', fullName: 'Ann', role: 'VIEWER' }, off)).toMatchObject({ messageKey: 'serverUnavailable' });
    const again = await call('create', { meetingID: 'th-1', name: 'th-1' });
    expect(again.returncode).toBe('SUCCESS');
    expect(serverOf(await join('th-1'))).toBe(1 - on);
  });

  it('auto-panic after SERVER_PANIC_THRESHOLD failed polls drops routes, index entries and voice bridges, and tries end', async () => {
    const ids = await registerServers(2);
    await call('create', { meetingID: 'p-1', name: 'p-1' });
    const on = serverOf(await join('p-1'));
    await fault(on, { type: 'http500' });
    const svc = services(env);
    expect(await svc.redis.hlen('scaleflare:vb')).toBe(1);
    const reports = [];
    for (let i = 0; i < 3; i++) reports.push(await runPoll(fast));
    expect(reports.map((r) => r.panicked)).toEqual([0, 0, 1]);
    const health = (await svc.cluster.health([{ id: ids[on]!, tag: null }])).get(ids[on]!)!;
    expect(health).toMatchObject({ online: false, failures: 3, meetings: 0 });
    expect(health.panickedAt).not.toBeNull();
    expect(await call('join', { meetingID: 'p-1', fullName: 'Ann', role: 'VIEWER' })).toMatchObject({ messageKey: 'notFound' });
    expect(await call('getMeetings')).toMatchObject({ messageKey: 'noMeetings' });
    expect(await svc.redis.hlen('scaleflare:vb')).toBe(0);
    expect((await nodeCalls(on)).counts.end).toBe(1);
    // Panic happens once per outage.
    expect((await runPoll(fast)).panicked).toBe(0);
    // The server comes back: online again, counters reset.
    await fault(on, { type: 'none' });
    await runPoll(fast);
    const back = (await svc.cluster.health([{ id: ids[on]!, tag: null }])).get(ids[on]!)!;
    expect(back).toMatchObject({ online: true, failures: 0, panickedAt: null });
  });

  it('a cordoned server turns disabled once it has no meetings, not before', async () => {
    const ids = await registerServers(1);
    await call('create', { meetingID: 'c-1', name: 'c-1' });
    await admin('updateServer', { id: ids[0], server: { state: 'cordon' } });
    expect((await runPoll()).disabled).toEqual([]);
    expect((await join('c-1')).status).toBe(302);
    await sim(`/nodes/${nodes[0]!.id}/meetings/c-1/end`, { method: 'POST' });
    expect((await later()).disabled).toEqual([ids[0]]);
    expect((await admin('getServerInfo', undefined, `id=${ids[0]}`)).json.state).toBe('disabled');
  });

  it('reads bbbVersion from the node and shows it in getServerInfo', async () => {
    const [id] = await registerServers(1);
    await sim(`/nodes/${nodes[0]!.id}/config`, { body: { bbbVersion: '3.0.9' } });
    // Read with the first poll of a server and then hourly.
    await runPoll({}, Date.now() + 2 * 3600_000);
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json.bbb_version).toBe('3.0.9');
  });

  it('reads bbbVersion again at the first poll after a disabled server is taken back (upgraded meanwhile)', async () => {
    const [id] = await registerServers(1);
    await admin('updateServer', { id, server: { state: 'disable' } });
    await sim(`/nodes/${nodes[0]!.id}/config`, { body: { bbbVersion: '3.0.99' } });
    await admin('updateServer', { id, server: { state: 'enable' } });
    await runPoll();
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json.bbb_version).toBe('3.0.99');
  });

  it('an offline server is polled with short timeouts, so a dead node costs about a second', async () => {
    await registerServers(2);
    await fault(0, { type: 'timeout' });
    await runPoll({ SERVER_UNHEALTHY_THRESHOLD: '1', ...quick });
    // Known offline: at most a second, whatever CONNECT_TIMEOUT and RESPONSE_TIMEOUT say.
    const report = await runPoll({ SERVER_UNHEALTHY_THRESHOLD: '1', CONNECT_TIMEOUT: '30', RESPONSE_TIMEOUT: '30' });
    expect(report.online).toBe(1);
    expect(report.ms).toBeLessThan(3_000);
  });
});

describe('operator view', () => {
  it('getServerInfo shows last poll, last error, consecutive failures and stats; pollServers polls now', async () => {
    const [id] = await registerServers(1);
    await createOn('ov-1');
    await runPoll();
    await fault(0, { type: 'http500' });
    const polled = await admin('pollServers', {});
    expect(polled.status).toBe(200);
    expect(polled.json).toMatchObject({ servers: 1, online: 0 });
    const info = (await admin('getServerInfo', undefined, `id=${id}`)).json;
    expect(info).toMatchObject({ consecutive_failures: 1, meetings: 1, users: 0, online: 'online' });
    expect(info.last_error).toMatch(/http/);
    expect(Date.parse(info.last_poll)).toBeGreaterThan(Date.now() - 10_000);
    expect(JSON.stringify(info)).not.toContain(nodes[0]!.secret);
  });
});

describe('sharded polling', () => {
  it('a pool larger than POLL_SHARD_SIZE is polled by PollShard invocations over the service binding, written in one apply', async () => {
    await registerServers(5);
    for (let i = 0; i < 5; i++) await sim(`/nodes/${nodes[i]!.id}/seed`, { body: { meetings: 2, usersPerMeeting: 1 } });
    const sharded = envWith({ POLL_SHARD_SIZE: '2' });
    const fanOut = shardFanOut(sharded);
    expect(fanOut).toBeDefined();
    const report = await poll(services(sharded), Date.now(), fanOut);
    expect(report).toMatchObject({ shards: 3, servers: 5, online: 5, meetings: 10 });
    expect(((await call('getMeetings')).meetings.meeting as Xml[]).length).toBe(10);
  });
});

describe('self-healing routes', () => {
  it('a meeting that ended on its node loses its route, index entry and voice bridge after the node answered', async () => {
    await registerServers(2);
    const on = await createOn('r-1');
    await createOn('r-2');
    await sim(`/nodes/${nodes[on]!.id}/meetings/r-1/end`, { method: 'POST' });
    // A poll right after create keeps the route: the create may still be in flight.
    expect((await runPoll()).removed).toBe(0);
    expect((await later()).removed).toBe(1);
    expect(await call('join', { meetingID: 'r-1', fullName: 'Ann', role: 'VIEWER' })).toMatchObject({ messageKey: 'notFound' });
    expect((await join('r-2')).status).toBe(302);
    const svc = services(env);
    expect(await svc.redis.hkeys('scaleflare:meetings:default')).toEqual(['r-2']);
    expect(await svc.redis.hlen('scaleflare:vb')).toBe(1);
  });

  it('routes of a node that did not answer are kept (it may come back)', async () => {
    await registerServers(2);
    const on = await createOn('k-1');
    await fault(on, { type: 'html' });
    expect((await later({ SERVER_UNHEALTHY_THRESHOLD: '5' })).removed).toBe(0);
    await fault(on, { type: 'none' });
    expect((await join('k-1')).status).toBe(302);
  });

  it('after FLUSHALL while meetings run, one poll restores routes, loads, stats, voice bridges and getMeetings; zero failed joins', async () => {
    const ids = await registerServers(3);
    const where = new Map<string, number>();
    for (let i = 0; i < 9; i++) where.set(`fl-${i}`, await createOn(`fl-${i}`));
    await runPoll();
    const svc = services(env);
    const before = await svc.cluster.health(ids.map((id) => ({ id, tag: null })));
    const loadsBefore = await svc.redis.zrange('scaleflare:load:none', 0, -1, { withScores: true });
    const vbBefore = await svc.redis.hlen('scaleflare:vb');
    await svc.redis.flushall();
    await runPoll();
    let failed = 0;
    for (const [mid, server] of where) {
      const res = await join(mid);
      if (res.status !== 302 || serverOf(res) !== server) failed++;
    }
    expect(failed).toBe(0);
    const after = await svc.cluster.health(ids.map((id) => ({ id, tag: null })));
    for (const id of ids) {
      expect(after.get(id)).toMatchObject({ online: true, meetings: before.get(id)!.meetings, users: before.get(id)!.users });
    }
    expect((await svc.redis.zrange('scaleflare:load:none', 0, -1, { withScores: true })).length).toBe(loadsBefore.length);
    expect(await svc.redis.hlen('scaleflare:vb')).toBe(vbBefore);
    expect(((await call('getMeetings')).meetings.meeting as Xml[]).length).toBe(9);
  });
});
