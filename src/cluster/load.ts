import type { Config } from '../config.js';

/** What the load formula needs of one meeting, as reported by getMeetings. */
export interface MeetingLoadInput {
  participants: number;
  videos: number;
  createTime: number;
  isBreakout: boolean;
}

/**
 * Load of a server, documented in docs/placement.md:
 *   Σ over its non-breakout meetings of
 *     meetingWeight + userWeight × users' + videoWeight × videos
 *   where users' = max(users, LOAD_MIN_USER_COUNT) while the meeting is younger than
 *   LOAD_JOIN_BUFFER_TIME (a reservation for people still arriving), else users;
 *   all times the server's load multiplier.
 * Breakout rooms are skipped: their users are counted in the parent meeting, as in Scalelite.
 */
export function serverLoad(meetings: MeetingLoadInput[], multiplier: number, cfg: Config['load'], now: number): number {
  let total = 0;
  for (const m of meetings) {
    if (m.isBreakout) continue;
    const young = now - m.createTime < cfg.joinBufferMs;
    const users = young ? Math.max(m.participants, cfg.minUserCount) : m.participants;
    total += cfg.meetingWeight + cfg.userWeight * users + cfg.videoWeight * m.videos;
  }
  return total * multiplier;
}

/** What a new meeting reserves on its server at placement: a young meeting with no one in it yet. */
export function newMeetingReservation(cfg: Config['load']): number {
  return cfg.meetingWeight + cfg.userWeight * cfg.minUserCount;
}
