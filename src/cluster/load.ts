import type { Config } from '../config.js';

/** What the load formula needs of one meeting, as reported by getMeetings. */
export interface MeetingLoadInput {
  participants: number;
  videos: number;
  createTime: number;
  isBreakout: boolean;
  /** Users the meeting was created for (its size hint), reserved while it is young. */
  expectedUsers?: number;
}

/** Larger hints are not a meeting's size, they are noise: ignored. */
const MAX_SIZE_HINT = 100_000;

/**
 * Load of a server, documented in docs/placement.md:
 *   Σ over its non-breakout meetings of
 *     meetingWeight + userWeight × users' + videoWeight × videos
 *   where users' = max(users, expected users) while the meeting is younger than
 *   LOAD_JOIN_BUFFER_TIME (a reservation for people still arriving), else users; expected users
 *   are the meeting's size hint, else LOAD_MIN_USER_COUNT;
 *   all times the server's load multiplier.
 * Breakout rooms are skipped: their users are counted in the parent meeting, as in Scalelite.
 */
export function serverLoad(meetings: MeetingLoadInput[], multiplier: number, cfg: Config['load'], now: number): number {
  let total = 0;
  for (const m of meetings) {
    if (m.isBreakout) continue;
    const young = now - m.createTime < cfg.joinBufferMs;
    const users = young ? Math.max(m.participants, m.expectedUsers ?? cfg.minUserCount) : m.participants;
    total += cfg.meetingWeight + cfg.userWeight * users + cfg.videoWeight * m.videos;
  }
  return total * multiplier;
}

/** What a new meeting reserves on its server at placement: a young meeting with no one in it yet. */
export function newMeetingReservation(cfg: Config['load'], users: number): number {
  return cfg.meetingWeight + cfg.userWeight * users;
}

/**
 * The users a new meeting is expected to bring: its `meta_bbb-meeting-size-hint` (bbblb's idea)
 * when it is a whole number from 1 to 100,000, else LOAD_MIN_USER_COUNT.
 */
export function expectedUsers(sizeHint: string | undefined, cfg: Config['load']): number {
  const n = Number(sizeHint);
  return sizeHint && Number.isInteger(n) && n > 0 && n <= MAX_SIZE_HINT ? n : cfg.minUserCount;
}
