// The short getMeetingInfo/isMeetingRunning cache: one node call per meeting per window, a hit
// in the same single Redis round trip as the route, dropped by create, join and end.
import { beforeEach, describe, expect, it } from 'vitest';
import { bbb, call, counters, nodeCalls, registerServers, resetAll, startCounting } from './support';

beforeEach(resetAll);

const nodeCallsOf = async (name: string) => (await nodeCalls(0)).counts[name] ?? 0;

describe('shared node answers', () => {
  it('a storm of getMeetingInfo and isMeetingRunning costs one node call each per window, one Redis round trip per call', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'sa-1', name: 'Room' });
    await call('getMeetingInfo', { meetingID: 'sa-1' });
    await call('isMeetingRunning', { meetingID: 'sa-1' });
    await startCounting();
    for (let i = 0; i < 20; i++) {
      expect(await call('getMeetingInfo', { meetingID: 'sa-1' })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'sa-1' });
      expect(await call('isMeetingRunning', { meetingID: 'sa-1' })).toMatchObject({ returncode: 'SUCCESS', running: 'false' });
    }
    expect(await nodeCallsOf('getMeetingInfo')).toBe(0);
    expect(await nodeCallsOf('isMeetingRunning')).toBe(0);
    expect(await counters()).toEqual({ redis: 40, postgres: 0 });
  });

  it('join, end and create drop the shared answers of that meeting', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'sa-2', name: 'Room' });
    await call('getMeetingInfo', { meetingID: 'sa-2' });
    await startCounting();
    expect((await bbb('join', { meetingID: 'sa-2', fullName: 'Ann', role: 'VIEWER' })).status).toBe(302);
    await call('getMeetingInfo', { meetingID: 'sa-2' });
    expect(await nodeCallsOf('getMeetingInfo')).toBe(1);
    await call('create', { meetingID: 'sa-2', name: 'Room' });
    await call('getMeetingInfo', { meetingID: 'sa-2' });
    expect(await nodeCallsOf('getMeetingInfo')).toBe(2);
    await call('end', { meetingID: 'sa-2' });
    expect(await call('getMeetingInfo', { meetingID: 'sa-2' })).toMatchObject({ messageKey: 'notFound' });
  });

  it('MEETING_INFO_CACHE_SECONDS=0 asks the node every time; failed answers are never shared', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'sa-3', name: 'Room' });
    await startCounting();
    const off = { env: { MEETING_INFO_CACHE_SECONDS: '0' } };
    for (let i = 0; i < 3; i++) await call('getMeetingInfo', { meetingID: 'sa-3' }, off);
    expect(await nodeCallsOf('getMeetingInfo')).toBe(3);
  });
});
