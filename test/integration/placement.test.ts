import { beforeEach, describe, expect, it } from 'vitest';
import { admin, call, nodes, registerServers, resetAll, sim } from './support';

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
