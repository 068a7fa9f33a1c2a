// The meetings of one node, keyed by external meetingID as BBB keys them (sha1 of the ID).
import { Meeting, randomDigits, randomString, type AudioMode, type MeetingInit } from './meeting';

const DEFAULT_DIAL_NUMBER = '613-555-1234';

export interface SeedOptions {
  meetings: number;
  usersPerMeeting: number;
}

/** Defaults bbb-web fills in when create leaves things out. */
export function meetingDefaults(meetingID: string, name: string): MeetingInit {
  return {
    meetingID,
    name,
    attendeePW: randomString(8),
    moderatorPW: randomString(8),
    voiceBridge: '',
    dialNumber: DEFAULT_DIAL_NUMBER,
    duration: 0,
    record: false,
    maxUsers: 0,
    metadata: {},
    isBreakout: false,
    parentMeetingID: 'bbb-none',
    sequence: 0,
    freeJoin: false,
    params: {},
  };
}

export class MeetingStore {
  private readonly meetings = new Map<string, Meeting>();
  /** Ended meetings that were recorded, by record id (their internal ID), waiting for the recording pipeline. */
  readonly recorded = new Map<string, { meeting: Meeting; endedAt: number }>();
  private seeded = 0;

  get size(): number {
    return this.meetings.size;
  }

  get(meetingID: string): Meeting | undefined {
    return this.meetings.get(meetingID);
  }

  all(): Meeting[] {
    return [...this.meetings.values()];
  }

  voiceBridgeInUse(voiceBridge: string): boolean {
    return this.all().some((m) => m.init.voiceBridge === voiceBridge);
  }

  /** BBB tries ten random 5-digit bridges and otherwise lets create fail on the clash. */
  pickVoiceBridge(): string {
    let candidate = randomDigits(5);
    for (let i = 0; i < 10 && this.voiceBridgeInUse(candidate); i++) candidate = randomDigits(5);
    return candidate;
  }

  add(init: MeetingInit): Meeting {
    const meeting = new Meeting({ ...init, voiceBridge: init.voiceBridge || this.pickVoiceBridge() });
    this.meetings.set(init.meetingID, meeting);
    if (init.isBreakout) this.parentOf(meeting)?.breakoutRooms.push(meeting.internalMeetingID);
    return meeting;
  }

  /** Ending a parent ends its breakout rooms too, as in BBB. */
  end(meetingID: string): boolean {
    const meeting = this.meetings.get(meetingID);
    if (!meeting) return false;
    this.meetings.delete(meetingID);
    if (meeting.init.record) this.recorded.set(meeting.internalMeetingID, { meeting, endedAt: Date.now() });
    const siblings = this.parentOf(meeting)?.breakoutRooms ?? [];
    const index = siblings.indexOf(meeting.internalMeetingID);
    if (index >= 0) siblings.splice(index, 1);
    for (const child of this.all()) {
      if (child.init.parentMeetingID === meeting.internalMeetingID) this.end(child.meetingID);
    }
    return true;
  }

  findSession(sessionToken: string): Meeting | undefined {
    return this.all().find((m) => m.session(sessionToken) !== undefined);
  }

  clear(): void {
    this.meetings.clear();
    this.recorded.clear();
    this.seeded = 0;
  }

  /**
   * Bulk meetings for load tests, bypassing HTTP. Users cycle through voice / listen-only / no audio,
   * every fourth has video, and the first of each meeting is the moderator.
   */
  seed(prefix: string, { meetings, usersPerMeeting }: SeedOptions): string[] {
    const ids: string[] = [];
    for (let i = 0; i < meetings; i++) {
      const n = ++this.seeded;
      const meeting = this.add(meetingDefaults(`${prefix}-seed-${n}`, `Seeded meeting ${n}`));
      for (let u = 0; u < usersPerMeeting; u++) {
        const audio: AudioMode = (['voice', 'listen', 'none'] as const)[u % 3] ?? 'none';
        meeting.addUser({ fullName: `Seed User ${u + 1}`, role: u === 0 ? 'MODERATOR' : 'VIEWER', audio, video: u % 4 === 0 });
      }
      ids.push(meeting.meetingID);
    }
    return ids;
  }

  private parentOf(meeting: Meeting): Meeting | undefined {
    if (!meeting.init.isBreakout) return undefined;
    return this.all().find((m) => m.internalMeetingID === meeting.init.parentMeetingID);
  }
}
