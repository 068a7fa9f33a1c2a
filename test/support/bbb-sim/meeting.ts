// One meeting on one node: its create-time facts, the users who have entered it, and the join sessions
// handed out by the join call that have not reached the client yet.
import { createHash, randomInt } from 'node:crypto';
import type { AttendeeView, MeetingView } from './xml';

export type Role = 'MODERATOR' | 'VIEWER';
export type AudioMode = 'voice' | 'listen' | 'none';

export interface UserInput {
  fullName: string;
  role: Role;
  /** External user ID (join's userID); BBB falls back to the internal ID. */
  userID?: string;
  audio?: AudioMode;
  video?: boolean;
  customdata?: Record<string, string>;
}

interface User {
  internalUserID: string;
  userID: string;
  fullName: string;
  role: Role;
  isPresenter: boolean;
  audio: AudioMode;
  video: boolean;
  customdata: Record<string, string>;
}

/** A join's session (UserSession in bbb-web): the client's calls (enter, stuns, …) name it by its sessionToken. */
export interface JoinSession {
  authToken: string;
  user: Omit<User, 'isPresenter'>;
  /** The client URL was opened (or enter called): the user is in the meeting. */
  entered: boolean;
}

export interface ChatRecord {
  userName: string;
  message: string;
  at: number;
}

export interface MeetingInit {
  meetingID: string;
  name: string;
  attendeePW: string;
  moderatorPW: string;
  voiceBridge: string;
  dialNumber: string;
  duration: number;
  record: boolean;
  maxUsers: number;
  metadata: Record<string, string>;
  isBreakout: boolean;
  /** Internal ID of the parent, or BBB's 'bbb-none'. */
  parentMeetingID: string;
  sequence: number;
  freeJoin: boolean;
  /** Every create parameter as received (first value), for tests that check what the balancer forwarded. */
  params: Record<string, string>;
}

export interface DocumentRecord {
  call: 'create' | 'insertDocument';
  contentType: string;
  body: string;
  at: number;
}

export type AttendeeSnapshot = AttendeeView & { internalUserID: string; audio: AudioMode };

export type MeetingSnapshot = Omit<MeetingView, 'attendees'> & {
  attendees: AttendeeSnapshot[];
  pendingJoins: number;
  params: Record<string, string>;
  documents: DocumentRecord[];
  /** Messages of sendChatMessage, oldest first. */
  chat: ChatRecord[];
  /** Bodies the client posted to feedback. */
  feedback: Array<{ body: string; at: number }>;
};

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** RandomStringUtils.randomAlphanumeric / randomNumeric. */
export function randomString(length: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const randomToken = (length: number) => randomString(length).toLowerCase();
export const randomDigits = (length: number) => randomString(length, '0123456789');

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date#toString on a UTC server, e.g. "Thu May 09 13:35:28 UTC 2024". */
export function javaDateString(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export class Meeting {
  readonly createTime = Date.now();
  readonly internalMeetingID: string;
  readonly startTime: number;
  readonly breakoutRooms: string[] = [];
  readonly documents: DocumentRecord[] = [];
  readonly chat: ChatRecord[] = [];
  readonly feedback: Array<{ body: string; at: number }> = [];
  private hasUserJoined = false;
  private readonly users = new Map<string, User>();
  private readonly sessions = new Map<string, JoinSession>();

  constructor(readonly init: MeetingInit) {
    this.internalMeetingID = `${createHash('sha1').update(init.meetingID).digest('hex')}-${this.createTime}`;
    // akka-apps reports the meeting started a moment after bbb-web created it.
    this.startTime = this.createTime + randomInt(5, 40);
  }

  get meetingID(): string {
    return this.init.meetingID;
  }

  /** Meeting.isRunning() in BBB: someone is in it, not merely created. */
  get running(): boolean {
    return this.users.size > 0;
  }

  /** join: registers a session; the user only appears once the client URL is opened (enter). */
  register(input: UserInput): { sessionToken: string; authToken: string; internalUserID: string } {
    const user = this.newUser(input);
    const sessionToken = randomToken(16);
    const authToken = randomToken(12);
    this.sessions.set(sessionToken, { authToken, user, entered: false });
    return { sessionToken, authToken, internalUserID: user.internalUserID };
  }

  session(sessionToken: string): JoinSession | undefined {
    return this.sessions.get(sessionToken);
  }

  allSessions(): JoinSession[] {
    return [...this.sessions.values()];
  }

  /** The first enter puts the user in the meeting; the session stays valid for the client's other calls. */
  enterSession(sessionToken: string): AttendeeSnapshot | undefined {
    const join = this.sessions.get(sessionToken);
    if (!join || join.entered) return undefined;
    join.entered = true;
    return this.enter(join.user);
  }

  /** signOut: the token is no longer valid (the user leaves through the client, not here). */
  signOut(sessionToken: string): boolean {
    return this.sessions.delete(sessionToken);
  }

  addUser(input: UserInput): AttendeeSnapshot {
    return this.enter(this.newUser(input));
  }

  /** Accepts the internal ID or the external userID. */
  removeUser(userID: string): boolean {
    const user = this.findUser(userID);
    if (!user) return false;
    this.users.delete(user.internalUserID);
    // BBB hands the presenter role to another moderator when the presenter leaves.
    if (user.isPresenter) {
      const next = [...this.users.values()].find((u) => u.role === 'MODERATOR');
      if (next) next.isPresenter = true;
    }
    return true;
  }

  updateUser(userID: string, change: { audio?: AudioMode; video?: boolean }): AttendeeSnapshot | undefined {
    const user = this.findUser(userID);
    if (!user) return undefined;
    if (change.audio !== undefined) user.audio = change.audio;
    if (change.video !== undefined) user.video = change.video;
    return this.attendeeSnapshot(user);
  }

  /** hasReachedMaxParticipants: unique external IDs count, and a returning userID always gets in. */
  isFull(userID: string | undefined): boolean {
    if (this.init.maxUsers <= 0) return false;
    const joined = new Set([...this.users.values()].map((u) => u.userID));
    if (userID !== undefined && joined.has(userID)) return false;
    return joined.size >= this.init.maxUsers;
  }

  view(): MeetingView & { attendees: AttendeeSnapshot[] } {
    const users = [...this.users.values()];
    const count = (pred: (u: User) => boolean) => users.filter(pred).length;
    const { init } = this;
    return {
      name: init.name,
      meetingID: init.meetingID,
      internalMeetingID: this.internalMeetingID,
      parentMeetingID: init.parentMeetingID,
      attendeePW: init.attendeePW,
      moderatorPW: init.moderatorPW,
      createTime: this.createTime,
      createDate: javaDateString(this.createTime),
      voiceBridge: init.voiceBridge,
      dialNumber: init.dialNumber,
      running: this.running,
      duration: init.duration,
      hasUserJoined: this.hasUserJoined,
      recording: init.record,
      hasBeenForciblyEnded: false,
      startTime: this.startTime,
      endTime: 0,
      participantCount: users.length,
      listenerCount: count((u) => u.audio === 'listen'),
      voiceParticipantCount: count((u) => u.audio === 'voice'),
      videoCount: count((u) => u.video),
      maxUsers: init.maxUsers,
      moderatorCount: count((u) => u.role === 'MODERATOR'),
      attendees: users.map((u) => this.attendeeSnapshot(u)),
      metadata: init.metadata,
      isBreakout: init.isBreakout,
      sequence: init.sequence,
      freeJoin: init.freeJoin,
      breakoutRooms: [...this.breakoutRooms],
    };
  }

  snapshot(): MeetingSnapshot {
    const pendingJoins = this.allSessions().filter((s) => !s.entered).length;
    return { ...this.view(), pendingJoins, params: this.init.params, documents: [...this.documents], chat: [...this.chat],
      feedback: [...this.feedback] };
  }

  private newUser(input: UserInput): Omit<User, 'isPresenter'> {
    const internalUserID = `w_${randomToken(12)}`;
    return {
      internalUserID,
      userID: input.userID || internalUserID,
      fullName: input.fullName,
      role: input.role,
      audio: input.audio ?? 'none',
      video: input.video ?? false,
      customdata: input.customdata ?? {},
    };
  }

  private enter(user: Omit<User, 'isPresenter'>): AttendeeSnapshot {
    // The first moderator in becomes presenter, as in a fresh BBB meeting.
    const isPresenter = user.role === 'MODERATOR' && ![...this.users.values()].some((u) => u.isPresenter);
    const entered: User = { ...user, isPresenter };
    this.users.set(entered.internalUserID, entered);
    this.hasUserJoined = true;
    return this.attendeeSnapshot(entered);
  }

  private findUser(userID: string): User | undefined {
    return this.users.get(userID) ?? [...this.users.values()].find((u) => u.userID === userID);
  }

  private attendeeSnapshot(u: User): AttendeeSnapshot {
    return {
      internalUserID: u.internalUserID,
      userID: u.userID,
      fullName: u.fullName,
      role: u.role,
      isPresenter: u.isPresenter,
      isListeningOnly: u.audio === 'listen',
      hasJoinedVoice: u.audio === 'voice',
      hasVideo: u.video,
      clientType: 'HTML5',
      customdata: u.customdata,
      audio: u.audio,
    };
  }
}
