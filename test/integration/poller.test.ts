import { env } from 'cloudflare:workers';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { services } from '../../src/services';
import { admin, bbb, call, nodeCalls, nodes, registerServers, resetAll, runPoll, sim, type Xml } from './support';

beforeEach(resetAll);

describe('poller', () => {
  it('the cron handler polls every enabled and cordoned server, not disabled ones', async () => {
    const ids = await registerServers(3);
    await admin('updateServer', { id: ids[1], server: { state: 'cordon' } });
    await admin('updateServer', { id: ids[2], server: { state: 'disable' } });
    for (let i = 0; i < 3; i++) await sim(`/nodes/${nodes[i]!.id}/calls`, { method: 'DELETE' });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const counts = await Promise.all([0, 1, 2].map(async (i) => (await nodeCalls(i)).counts.getMeetings ?? 0));
    expect(counts).toEqual([1, 1, 0]);
  });

  it('records load and stats from getMeetings', async () => {
    const [id] = await registerServers(1);
    await call('create', { meetingID: 's-1', name: 'Room' });
    for (const [name, video] of [['Ann', true], ['Bob', false], ['Cy', false]] as const) {
      await sim(`/nodes/${nodes[0]!.id}/meetings/s-1/users`, { body: { fullName: name, role: 'VIEWER', video } });
    }
    await runPoll();
    const info = (await admin('getServerInfo', undefined, `id=${id}`)).json;
    // One young meeting: 1 (meeting) + max(3 users, 15) + 0.5 × 1 video.
    expect(info).toMatchObject({ online: 'online', load: 16.5 });
    const health = (await services(env).cluster.health([{ id: id!, tag: null }])).get(id!)!;
    expect(health).toMatchObject({ meetings: 1, users: 3, largestMeeting: 3, videos: 1, lastError: '' });
  });

  it('a node that stops answering goes offline after SERVER_UNHEALTHY_THRESHOLD polls, and back after SERVER_HEALTHY_THRESHOLD', async () => {
    const [id] = await registerServers(1);
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'html' } });
    const fast = { SERVER_UNHEALTHY_THRESHOLD: '2', SERVER_HEALTHY_THRESHOLD: '2' };
    await runPoll(fast);
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json.online).toBe('online');
    await runPoll(fast);
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json).toMatchObject({ online: 'offline', load: 'unavailable' });
    const health = (await services(env).cluster.health([{ id: id!, tag: null }])).get(id!)!;
    expect(health.lastError).toMatch(/invalid/);
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'none' } });
    await runPoll(fast);
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json.online).toBe('offline');
    await runPoll(fast);
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json.online).toBe('online');
  });

  it('rebuilds routing from the nodes after Redis is flushed', async () => {
    await registerServers(3);
    const created: Record<string, Xml> = {};
    for (let i = 0; i < 6; i++) created[`f-${i}`] = await call('create', { meetingID: `f-${i}`, name: 'Room' });
    const before = await Promise.all(nodes.slice(0, 3).map(async (n) => (await sim(`/nodes/${n.id}/meetings`)).meetings.length));
    await services(env).redis.flushall();
    expect(await call('join', { meetingID: 'f-0', fullName: 'A', role: 'VIEWER' })).toMatchObject({ messageKey: 'notFound' });
    await runPoll();
    for (let i = 0; i < 6; i++) {
      const res = await bbb('join', { meetingID: `f-${i}`, fullName: 'A', role: 'VIEWER' });
      expect(res.status).toBe(302);
      // Re-creating keeps each meeting where it runs.
      const again = await call('create', { meetingID: `f-${i}`, name: 'Room', attendeePW: created[`f-${i}`]!.attendeePW, moderatorPW: created[`f-${i}`]!.moderatorPW });
      expect(again).toMatchObject({ messageKey: 'duplicateWarning', internalMeetingID: created[`f-${i}`]!.internalMeetingID });
    }
    const after = await Promise.all(nodes.slice(0, 3).map(async (n) => (await sim(`/nodes/${n.id}/meetings`)).meetings.length));
    expect(after).toEqual(before);
    expect((await call('getMeetings')).meetings.meeting).toHaveLength(6);
  });

  it('adopts meetings created directly on a node', async () => {
    await registerServers(2);
    await sim(`/nodes/${nodes[1]!.id}/seed`, { body: { meetings: 2, usersPerMeeting: 1 } });
    await runPoll();
    const listed = (await call('getMeetings')).meetings.meeting as Xml[];
    expect(listed).toHaveLength(2);
    const res = await bbb('join', { meetingID: listed[0]!.meetingID, fullName: 'A', role: 'VIEWER' });
    expect(res.headers.get('location')).toContain(nodes[1]!.url.replace(/\/bigbluebutton\/api$/, ''));
  });

  it('overlapping polls: the second one is skipped', async () => {
    await registerServers(1);
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'slow', delayMs: 300 } });
    const [a, b] = await Promise.all([runPoll(), runPoll()]);
    expect([a.skipped, b.skipped].filter(Boolean)).toEqual(['locked']);
  });
});
