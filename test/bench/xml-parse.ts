/**
 * `npx tsx test/bench/xml-parse.ts`: µs per parseNodeResponse of the node answers the hot path
 * parses (a create answer; getMeetings of 50 meetings with 10 attendees each), as the simulator
 * renders them, and µs per renderResponse of a getMeetings answer of 50 meetings.
 */
import { parseNodeResponse, renderResponse } from '../../src/bbb/xml.js';
import { createXml, meetingsXml, type MeetingView } from '../support/bbb-sim/xml.js';

function meeting(i: number): MeetingView {
  return {
    name: `Room ${i} & friends`, meetingID: `meeting-${i}`, internalMeetingID: `a0715c95000a2bcb90604ecc7097dbc94592c690-17152617${i}`,
    parentMeetingID: 'bbb-none', attendeePW: 'ap', moderatorPW: 'mp', createTime: 1715261728123, createDate: 'Thu May 09 13:35:28 UTC 2024',
    voiceBridge: '70757', dialNumber: '613-555-1234', running: true, duration: 0, hasUserJoined: true, recording: false,
    hasBeenForciblyEnded: false, startTime: 1715261728200, endTime: 0, participantCount: 10, listenerCount: 2,
    voiceParticipantCount: 3, videoCount: 1, maxUsers: 0, moderatorCount: 1, isBreakout: false, sequence: 0, freeJoin: false, breakoutRooms: [],
    metadata: { 'bbb-origin': 'Moodle', 'bbb-context': "Anton's course" },
    attendees: Array.from({ length: 10 }, (_, j) => ({
      userID: `w_${i}_${j}`, fullName: `User ${j}`, role: j === 0 ? 'MODERATOR' : 'VIEWER', isPresenter: j === 0, isListeningOnly: false,
      hasJoinedVoice: j < 3, hasVideo: j === 1, clientType: 'HTML5', customdata: {},
    })),
  };
}

/** Median µs per call of `fn` over `rounds` rounds of `n` calls, after a warm-up. */
export function timeMicros(fn: () => unknown, n: number, rounds = 7): number {
  for (let i = 0; i < n; i++) fn();
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    perRound.push(Number(process.hrtime.bigint() - start) / 1000 / n);
  }
  return perRound.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

/** A create answer, and a getMeetings answer of 50 meetings, as the simulator writes them. */
export function benchDocuments(): { create: string; list: string } {
  const meetings = Array.from({ length: 50 }, (_, i) => meeting(i));
  return { create: createXml(meetings[0]!), list: meetingsXml(meetings) };
}

export function measureXml(): Record<string, number> {
  const { create, list } = benchDocuments();
  const parsed = parseNodeResponse(list);
  return {
    'parse create (µs)': timeMicros(() => parseNodeResponse(create), 20000),
    'parse getMeetings 50 (µs)': timeMicros(() => parseNodeResponse(list), 200),
    'render getMeetings 50 (µs)': timeMicros(() => renderResponse(parsed), 200),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [what, us] of Object.entries(measureXml())) console.log(`${what}: ${us.toFixed(1)}`);
}
