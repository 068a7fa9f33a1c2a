// BBB response bodies, element for element as the freemarker templates in bigbluebutton-web
// (create-meeting.ftlx, get-meeting-info.ftlx, get-meetings.ftlx, api-error(s).ftlx, …) render them.
// Templates are wrapped in <#compress>, so there is no indentation and no XML declaration.

export interface AttendeeView {
  userID: string;
  fullName: string;
  role: 'MODERATOR' | 'VIEWER';
  isPresenter: boolean;
  isListeningOnly: boolean;
  hasJoinedVoice: boolean;
  hasVideo: boolean;
  clientType: string;
  customdata: Record<string, string>;
}

export interface MeetingView {
  name: string;
  meetingID: string;
  internalMeetingID: string;
  parentMeetingID: string;
  attendeePW: string;
  moderatorPW: string;
  createTime: number;
  createDate: string;
  voiceBridge: string;
  dialNumber: string;
  running: boolean;
  duration: number;
  hasUserJoined: boolean;
  recording: boolean;
  hasBeenForciblyEnded: boolean;
  startTime: number;
  endTime: number;
  participantCount: number;
  listenerCount: number;
  voiceParticipantCount: number;
  videoCount: number;
  maxUsers: number;
  moderatorCount: number;
  attendees: AttendeeView[];
  metadata: Record<string, string>;
  isBreakout: boolean;
  sequence: number;
  freeJoin: boolean;
  breakoutRooms: string[];
}

// Freemarker's XML auto-escaping.
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function list(name: string, items: string[]): string {
  return items.length === 0 ? `<${name}></${name}>` : [`<${name}>`, ...items, `</${name}>`].join('\n');
}

function response(lines: string[]): string {
  return ['<response>', ...lines, '</response>'].join('\n');
}

// Templates print a password only when the meeting has one.
function passwords(m: MeetingView): string[] {
  return [
    ...(m.attendeePW ? [el('attendeePW', m.attendeePW)] : []),
    ...(m.moderatorPW ? [el('moderatorPW', m.moderatorPW)] : []),
  ];
}

function attendeeXml(a: AttendeeView): string {
  return [
    '<attendee>',
    el('userID', a.userID),
    el('fullName', a.fullName),
    el('role', a.role),
    el('isPresenter', a.isPresenter),
    el('isListeningOnly', a.isListeningOnly),
    el('hasJoinedVoice', a.hasJoinedVoice),
    el('hasVideo', a.hasVideo),
    el('clientType', a.clientType),
    list('customdata', Object.entries(a.customdata).map(([k, v]) => el(k, v))),
    '</attendee>',
  ].join('\n');
}

// Shared by getMeetingInfo and each <meeting> of getMeetings; getMeetings always prints both passwords.
function meetingLines(m: MeetingView, inMeetingsList: boolean): string[] {
  return [
    el('meetingName', m.name),
    el('meetingID', m.meetingID),
    el('internalMeetingID', m.internalMeetingID),
    el('createTime', m.createTime),
    el('createDate', m.createDate),
    el('voiceBridge', m.voiceBridge),
    el('dialNumber', m.dialNumber),
    ...(inMeetingsList ? [el('attendeePW', m.attendeePW), el('moderatorPW', m.moderatorPW)] : passwords(m)),
    el('running', m.running),
    el('duration', m.duration),
    el('hasUserJoined', m.hasUserJoined),
    el('recording', m.recording),
    el('hasBeenForciblyEnded', m.hasBeenForciblyEnded),
    el('startTime', m.startTime),
    el('endTime', m.endTime),
    el('participantCount', m.participantCount),
    el('listenerCount', m.listenerCount),
    el('voiceParticipantCount', m.voiceParticipantCount),
    el('videoCount', m.videoCount),
    el('maxUsers', m.maxUsers),
    el('moderatorCount', m.moderatorCount),
    list('attendees', m.attendees.map(attendeeXml)),
    list('metadata', Object.entries(m.metadata).map(([k, v]) => el(k, v))),
    el('isBreakout', m.isBreakout),
    ...(m.isBreakout
      ? [el('parentMeetingID', m.parentMeetingID), el('sequence', m.sequence), el('freeJoin', m.freeJoin)]
      : []),
    ...(m.breakoutRooms.length > 0 ? [list('breakoutRooms', m.breakoutRooms.map((id) => el('breakout', id)))] : []),
  ];
}

export function meetingXml(m: MeetingView): string {
  return ['<meeting>', ...meetingLines(m, true), '</meeting>'].join('\n');
}

export function errorXml(messageKey: string, message: string): string {
  return response([el('returncode', 'FAILED'), el('messageKey', messageKey), el('message', message)]);
}

/** api-errors.ftlx, used by respondWithErrors (e.g. nonUniqueVoiceBridge). */
export function errorsXml(errors: Array<[key: string, message: string]>): string {
  const items = errors.map(([key, message]) => ['<error>', el('key', key), el('message', message), '</error>'].join('\n'));
  return response([el('returncode', 'FAILED'), list('errors', items)]);
}

export function versionXml(v: { bbbVersion: string; graphqlWebsocketUrl: string; graphqlApiUrl: string }): string {
  return response([
    el('returncode', 'SUCCESS'),
    el('version', '2.0'),
    el('apiVersion', '2.0'),
    el('bbbVersion', v.bbbVersion),
    el('graphqlWebsocketUrl', v.graphqlWebsocketUrl),
    el('graphqlApiUrl', v.graphqlApiUrl),
  ]);
}

/** create-meeting.ftlx; messageKey and message are always present, empty unless duplicateWarning. */
export function createXml(m: MeetingView, messageKey = '', message = ''): string {
  return response([
    el('returncode', 'SUCCESS'),
    el('meetingID', m.meetingID),
    el('internalMeetingID', m.internalMeetingID),
    el('parentMeetingID', m.parentMeetingID),
    ...passwords(m),
    el('createTime', m.createTime),
    el('voiceBridge', m.voiceBridge),
    el('dialNumber', m.dialNumber),
    el('createDate', m.createDate),
    el('hasUserJoined', m.hasUserJoined),
    el('duration', m.duration),
    el('hasBeenForciblyEnded', m.hasBeenForciblyEnded),
    el('messageKey', messageKey),
    el('message', message),
  ]);
}

export function meetingInfoXml(m: MeetingView): string {
  return response([el('returncode', 'SUCCESS'), ...meetingLines(m, false)]);
}

/** The list templates' empty answer: SUCCESS, the empty element, then messageKey and message. */
function emptyListXml(name: string, messageKey: string, message: string): string {
  return response([el('returncode', 'SUCCESS'), `<${name}/>`, el('messageKey', messageKey), el('message', message)]);
}

export function meetingsXml(meetings: MeetingView[]): string {
  if (meetings.length === 0) return emptyListXml('meetings', 'noMeetings', 'no meetings were found on this server');
  return response([el('returncode', 'SUCCESS'), list('meetings', meetings.map(meetingXml))]);
}

export function runningXml(running: boolean): string {
  return response([el('returncode', 'SUCCESS'), el('running', running)]);
}

export function endXml(): string {
  return response([
    el('returncode', 'SUCCESS'),
    el('messageKey', 'sentEndMeetingRequest'),
    el('message',
      'A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.'),
  ]);
}

export function joinXml(j: { internalMeetingID: string; internalUserID: string; authToken: string; sessionToken: string; url: string }): string {
  return response([
    el('returncode', 'SUCCESS'),
    el('messageKey', 'successfullyJoined'),
    el('message', 'You have joined successfully.'),
    el('meeting_id', j.internalMeetingID),
    el('user_id', j.internalUserID),
    el('auth_token', j.authToken),
    el('session_token', j.sessionToken),
    el('guestStatus', 'ALLOW'),
    el('url', j.url),
  ]);
}

/** insert-document.ftlx has no messageKey. */
export function insertDocumentXml(returncode: 'SUCCESS' | 'FAILED', message: string): string {
  return response([el('returncode', returncode), el('message', message)]);
}

/** send-chat-message.ftlx: SUCCESS with empty messageKey and message. */
export function sendChatMessageXml(): string {
  return response([el('returncode', 'SUCCESS'), el('messageKey', ''), el('message', '')]);
}

export interface SessionView {
  internalMeetingID: string;
  meetingName: string;
  fullName: string;
}

/** get-sessions.ftlx: one <meeting> per join session, with the internal meetingID; the typo in "serverr" is BBB's. */
export function sessionsXml(sessions: SessionView[]): string {
  if (sessions.length === 0) return emptyListXml('sessions', 'noSessions', 'no sessions were found on this serverr');
  const items = sessions.map((s) =>
    ['<meeting>', el('meetingID', s.internalMeetingID), el('meetingName', s.meetingName), el('userName', s.fullName), '</meeting>'].join('\n'));
  return response([el('returncode', 'SUCCESS'), list('sessions', items)]);
}

/** signOut renders this inline, whatever the token. */
export function signOutXml(): string {
  return '<response><returncode>SUCCESS</returncode></response>';
}
