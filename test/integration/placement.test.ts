import { beforeEach, describe, expect, it } from 'vitest';
import { admin, call, nodes, registerServers, resetAll, runPoll, sim } from './support';

beforeEach(resetAll);

async function meetingsPerNode(count: number): Promise<number[]> {
  return Promise.all(nodes.slice(0, count).map(async (n) => ((await sim(`/nodes/${n.id}/meetings`)).meetings as unknown[]).length));
}

describe('placement', () => {
  it('two concurrent creates of one meetingID land on one server, one meeting', async () => {
    await registerServers(3);
    const results = await Promise.all([1, 2].map(() => call('create', { meetingID: 'race', name: 'Race' })));
    expect(results.every((r) => r.returncode === 'SUCCESS')).toBe(true);
    expect(results[0]!.internalMeetingID).toBe(results[1]!.internalMeetingID);
    expect((await meetingsPerNode(3)).reduce((a, b) => a + b)).toBe(1);
  });

  it('a burst of 50 creates spreads evenly over 5 equal servers (Scalelite #1048)', async () => {
    await registerServers(5);
    await Promise.all(Array.from({ length: 50 }, (_, i) => call('create', { meetingID: `burst-${i}`, name: 'Burst' })));
    expect(await meetingsPerNode(5)).toEqual([10, 10, 10, 10, 10]);
  });

  it('the load multiplier weighs servers: a 2x server gets half as many', async () => {
    await registerServers(2, { multipliers: [1, 2] });
    for (let i = 0; i < 30; i++) await call('create', { meetingID: `m-${i}`, name: 'Room' });
    expect(await meetingsPerNode(2)).toEqual([20, 10]);
  });

  it('meetings stay pinned: re-creates and joins go to the same server', async () => {
    await registerServers(3);
    for (let i = 0; i < 6; i++) await call('create', { meetingID: `pin-${i}`, name: 'Room' });
    const before = await meetingsPerNode(3);
    for (let i = 0; i < 6; i++) expect((await call('create', { meetingID: `pin-${i}`, name: 'Room' })).messageKey).toBe('duplicateWarning');
    expect(await meetingsPerNode(3)).toEqual(before);
  });

  it('only enabled and online servers receive new meetings', async () => {
    const ids = await registerServers(3);
    await admin('updateServer', { id: ids[0], server: { state: 'cordon' } });
    await admin('updateServer', { id: ids[1], server: { state: 'disable' } });
    for (let i = 0; i < 5; i++) await call('create', { meetingID: `e-${i}`, name: 'Room' });
    expect(await meetingsPerNode(3)).toEqual([0, 0, 5]);
  });
});

describe('admission control (servers.capacity_*, checked in the placement script)', () => {
  const capacity = (id: string, server: Record<string, number>) => admin('updateServer', { id, server });

  it('a server at its meeting capacity takes no more; a full pool answers serverCapacityReached', async () => {
    const ids = await registerServers(2);
    await capacity(ids[0]!, { capacity_meetings: 1 });
    await capacity(ids[1]!, { capacity_meetings: 2 });
    for (let i = 0; i < 3; i++) expect((await call('create', { meetingID: `cap-${i}`, name: 'Room' })).returncode).toBe('SUCCESS');
    const full = await call('create', { meetingID: 'cap-3', name: 'Room' });
    expect(full).toMatchObject({ returncode: 'FAILED', messageKey: 'serverCapacityReached' });
    expect(await meetingsPerNode(2)).toEqual([1, 2]);
    // The poll counts them from the nodes; still full. One ends: room again.
    await runPoll();
    expect((await call('create', { meetingID: 'cap-3', name: 'Room' })).messageKey).toBe('serverCapacityReached');
    await sim(`/nodes/${nodes[1]!.id}/meetings/${(await sim(`/nodes/${nodes[1]!.id}/meetings`)).meetings[0].meetingID}/end`, { method: 'POST' });
    await runPoll();
    expect((await call('create', { meetingID: 'cap-3', name: 'Room' })).returncode).toBe('SUCCESS');
    // Existing meetings are never refused: a re-create finds its route.
    expect((await call('create', { meetingID: 'cap-3', name: 'Room' })).messageKey).toBe('duplicateWarning');
  });

  it('meta_bbb-meeting-size-hint is the reservation checked against user capacity (else LOAD_MIN_USER_COUNT)', async () => {
    const ids = await registerServers(2);
    for (const id of ids) await capacity(id, { capacity_users: 50 });
    const sized = (meetingID: string, hint?: string) =>
      call('create', { meetingID, name: 'Room', ...(hint ? { 'meta_bbb-meeting-size-hint': hint } : {}) });
    expect((await sized('big-1', '40')).returncode).toBe('SUCCESS');
    expect((await sized('big-2', '40')).returncode).toBe('SUCCESS');
    expect(await meetingsPerNode(2)).toEqual([1, 1]);
    // 40 + 20 fits nowhere; 40 + 15 (no hint: LOAD_MIN_USER_COUNT) neither; 40 + 10 does.
    expect((await sized('mid', '20')).messageKey).toBe('serverCapacityReached');
    expect((await sized('plain')).messageKey).toBe('serverCapacityReached');
    expect((await sized('small', '10')).returncode).toBe('SUCCESS');
    // A hint larger than any server: refused at once.
    expect((await sized('huge', '500')).messageKey).toBe('serverCapacityReached');
  });

  it('a server at its video stream capacity takes no new meeting; unknown capacities never refuse', async () => {
    const ids = await registerServers(2);
    await call('create', { meetingID: 'cam', name: 'Room' });
    const on = (await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings.length === 1 ? 0 : 1;
    await capacity(ids[on]!, { capacity_video_streams: 1 });
    await sim(`/nodes/${nodes[on]!.id}/meetings/cam/users`, { body: { fullName: 'Ann', role: 'VIEWER', video: true } });
    await runPoll();
    for (let i = 0; i < 4; i++) expect((await call('create', { meetingID: `v-${i}`, name: 'Room' })).returncode).toBe('SUCCESS');
    expect((await meetingsPerNode(2))[on]).toBe(1);
  });
});
