import { describe, expect, it } from 'vitest';
import { capacitiesOrUnknown, knownCapacities, poolHeadroom } from '../../../src/cluster/capacity.js';
import { imbalanceRatio } from '../../../src/observability/pool-families.js';

const server = (users: number | null, meetings: number | null, used = { users: 0, meetings: 0 }) => ({
  server: { capacityUsers: users, capacityMeetings: meetings, capacityVideoStreams: null },
  used,
});

describe('pool headroom', () => {
  it('is what the others can still take if the largest server is lost, its load included', () => {
    const pool = [server(100, 10, { users: 30, meetings: 2 }), server(300, 20, { users: 120, meetings: 5 }), server(200, 10)];
    // Without the 300-user server: 300 of capacity for the 150 users carried.
    expect(poolHeadroom(pool, 'users')).toBe(100 + 200 - 150);
    expect(poolHeadroom(pool, 'meetings')).toBe(10 + 10 - 7);
  });

  it('goes negative when the loss could not be absorbed, and is unknown (null) when any capacity is', () => {
    expect(poolHeadroom([server(100, 5, { users: 90, meetings: 4 }), server(100, 5, { users: 90, meetings: 4 })], 'users')).toBe(-80);
    expect(poolHeadroom([server(100, null), server(100, 5)], 'meetings')).toBeNull();
    expect(poolHeadroom([server(100, null), server(100, 5)], 'users')).toBe(100);
    expect(poolHeadroom([], 'users')).toBe(0);
  });
});

describe('placement imbalance', () => {
  it('is highest over lowest load, each plus 1; none for fewer than two servers', () => {
    expect(imbalanceRatio([0, 0])).toBe(1);
    expect(imbalanceRatio([3, 0, 1])).toBe(4);
    expect(imbalanceRatio([5])).toBeUndefined();
  });
});

describe('capacities in documents', () => {
  it('known ones only, or every one with unknown as null', () => {
    const row = { capacityUsers: 5, capacityMeetings: null, capacityVideoStreams: 7 };
    expect(knownCapacities(row)).toEqual({ capacityUsers: 5, capacityVideoStreams: 7 });
    expect(capacitiesOrUnknown({ capacityMeetings: 2 })).toEqual({ capacityUsers: null, capacityMeetings: 2, capacityVideoStreams: null });
  });
});
