// The HTML5 client's calls to the node that issued its sessionToken (ApiController.groovy in bbb-web 3.0):
// no checksum, the session named by `sessionToken`, JSON answers (signOut: XML). A balancer only has to get
// them to the right node (the cluster proxy), so these answers are what a test checks came back.
import { checksumFor, javaUrlEncode } from './checksum';
import type { JoinSession, Meeting } from './meeting';
import { jsonResponse, methodNotAllowed, xmlResponse, type SimResponse } from './response';
import type { MeetingStore } from './store';
import * as xml from './xml';

export interface SessionNode {
  readonly secret: string;
  /** http://host:port, where the node's own client lives. */
  readonly baseUrl: string;
  readonly store: MeetingStore;
}

interface SessionCall {
  node: SessionNode;
  method: string;
  param(name: string): string | undefined;
  body: string;
}

interface Found {
  token: string;
  meeting: Meeting;
  session: JoinSession;
}

type Handler = (call: SessionCall, found: Found | undefined) => SimResponse;

function lookup(call: SessionCall): Found | undefined {
  const token = call.param('sessionToken') ?? '';
  const meeting = token ? call.node.store.findSession(token) : undefined;
  const session = meeting?.session(token);
  return meeting && session ? { token, meeting, session } : undefined;
}

const clientUrl = (node: SessionNode, token: string) => `${node.baseUrl}/html5client/join?sessionToken=${token}`;

/** A failure in the `{response: {returncode, message}}` shape of getJoinUrl, learningDashboard and feedback. */
const failed = (message: string) => jsonResponse({ response: { returncode: 'FAILED', message } });

function enter(call: SessionCall, found: Found | undefined): SimResponse {
  if (!found) {
    return jsonResponse({ response: { returncode: 'FAILED', message: 'Session not found.', messageKey: 'missingSession', logoutURL: call.node.baseUrl } });
  }
  const { meeting, session, token } = found;
  meeting.enterSession(token);
  const view = meeting.view();
  return jsonResponse({
    response: {
      returncode: 'SUCCESS',
      fullname: session.user.fullName,
      confname: view.name,
      meetingID: view.internalMeetingID,
      externMeetingID: view.meetingID,
      externUserID: session.user.userID,
      internalUserID: session.user.internalUserID,
      authToken: session.authToken,
      role: session.user.role,
      guest: false,
      guestStatus: 'ALLOW',
      voicebridge: view.voiceBridge,
      dialnumber: view.dialNumber,
      mode: 'LIVE',
      record: view.recording,
      isBreakout: view.isBreakout,
      customdata: Object.entries(session.user.customdata).map(([k, v]) => ({ [k]: v })),
      metadata: Object.entries(view.metadata).map(([k, v]) => ({ [k]: v })),
    },
  });
}

function stuns(call: SessionCall, found: Found | undefined): SimResponse {
  if (!found) return jsonResponse({ returncode: 'FAILED', message: 'Could not find conference.', logoutURL: call.node.baseUrl });
  return jsonResponse({ stunServers: [{ url: 'stun:stun.freeswitch.org' }], turnServers: [], remoteIceCandidates: [] });
}

/** SUCCESS whatever the token; a valid one stops being valid. */
function signOut(_call: SessionCall, found: Found | undefined): SimResponse {
  found?.meeting.signOut(found.token);
  return xmlResponse(xml.signOutXml());
}

/** No guest policy in the simulator: every session is allowed, and sent on to its client unless redirect=false. */
function guestWait(call: SessionCall, found: Found | undefined): SimResponse {
  if (!found) return jsonResponse({ response: { returncode: 'FAILED', messageKey: 'missingSession', message: 'Invalid session token', url: call.node.baseUrl } });
  const url = clientUrl(call.node, found.token);
  if (call.param('redirect')?.toLowerCase() !== 'false') return { status: 302, headers: { Location: url }, body: '' };
  const { meeting, session } = found;
  return jsonResponse({
    response: {
      returncode: 'SUCCESS',
      meeting_id: meeting.internalMeetingID,
      user_id: session.user.internalUserID,
      auth_token: session.authToken,
      guestStatus: 'ALLOW',
      url,
    },
  });
}

/** A join URL for the same user on this node, signed with SHA-1 as bbb-web does (to move a session to another device). */
function getJoinUrl(call: SessionCall, found: Found | undefined): SimResponse {
  if (!found) return failed('Invalid Session');
  const { meeting, session } = found;
  if (!meeting.running) return failed('Meeting not found');
  const role = session.user.role === 'MODERATOR' ? 'MODERATOR' : 'VIEWER';
  const query = `fullName=${javaUrlEncode(session.user.fullName)}&meetingID=${javaUrlEncode(meeting.meetingID)}` +
    `&role=${role}&redirect=true&userID=${session.user.userID}`;
  const url = `${call.node.baseUrl}/bigbluebutton/api/join?${query}&checksum=${checksumFor('join', query, call.node.secret, 'sha1')}`;
  return jsonResponse({ response: { returncode: 'SUCCESS', message: 'Join URL provided successfully.', url } });
}

/** Moderators of a running meeting get its activity data (a JSON document as a string). */
function learningDashboard(_call: SessionCall, found: Found | undefined): SimResponse {
  if (!found) return failed('Invalid Session');
  const { meeting, session } = found;
  if (session.user.role !== 'MODERATOR') return failed('Access denied');
  if (!meeting.running) return failed('Meeting not found');
  const view = meeting.view();
  const data = JSON.stringify({ intId: view.internalMeetingID, extId: view.meetingID, name: view.name, users: view.attendees.map((a) => a.fullName) });
  return jsonResponse({ response: { returncode: 'SUCCESS', data } });
}

/** The client's end-of-session survey (a JSON body); bbb-web only logs it. */
function feedback(call: SessionCall, found: Found | undefined): SimResponse {
  if (!found) return failed('Invalid Session');
  found.meeting.feedback.push({ body: call.body, at: Date.now() });
  return jsonResponse({ response: { returncode: 'SUCCESS' } });
}

const CALLS: Record<string, { methods: readonly string[]; handle: Handler }> = {
  enter: { methods: ['GET', 'POST'], handle: enter },
  stuns: { methods: ['GET', 'POST'], handle: stuns },
  signOut: { methods: ['GET', 'POST'], handle: signOut },
  guestWait: { methods: ['GET'], handle: guestWait },
  getJoinUrl: { methods: ['GET', 'POST'], handle: getJoinUrl },
  learningDashboard: { methods: ['GET', 'POST'], handle: learningDashboard },
  feedback: { methods: ['POST'], handle: feedback },
};

export const SESSION_CALLS = Object.keys(CALLS);

export const isSessionCall = (call: string) => Object.hasOwn(CALLS, call);

/** Methods as UrlMappings.groovy maps them; anything else is Grails' 405. */
export function handleSessionCall(call: string, request: SessionCall): SimResponse {
  const spec = CALLS[call]!;
  if (!spec.methods.includes(request.method)) return methodNotAllowed(spec.methods);
  return spec.handle(request, lookup(request));
}
