import { errors } from '../bbb/errors.js';
import { background, nodeCall, nodeMeetingIDOf, requireMeetingID, routedServer, xmlResponse, type ApiCall } from './context.js';
import { relayBody } from './relay.js';

/**
 * getMeetingInfo and isMeetingRunning: LMSs poll them for every open room page (Greenlight every
 * 10 s, Moodle per viewer), so a node's answer is shared for MEETING_INFO_CACHE_SECONDS. The
 * lookup that finds the route also returns a fresh shared answer, so a hit costs one Redis round
 * trip and no node call; create, join and end on the meeting drop it. With MEETING_RECOVERY, a
 * meeting whose node is suspect, offline or found down by this call answers as an unknown one (not
 * running) until a create or join re-creates it elsewhere.
 */
export async function sharedMeetingAnswer(
  call: ApiCall,
  mode: 'info' | 'running',
  onUnknown: () => Response,
): Promise<Response> {
  const meetingID = requireMeetingID(call.params);
  const seconds = call.svc.cfg.meetingInfoCacheSeconds;
  const found = await routedServer(call, meetingID, seconds > 0 ? mode : '');
  if (!found) return onUnknown();
  const { route, server } = found;
  const recovering = call.svc.cfg.meetingRecovery;
  if (recovering && !route.online) return onUnknown();
  if (route.answer) return xmlResponse(route.answer);
  let down = false;
  const sent = nodeCall(call, server, mode === 'info' ? 'getMeetingInfo' : 'isMeetingRunning', [['meetingID', nodeMeetingIDOf(call, meetingID)]], {
    online: route.online,
    retryTimeout: true,
    onDown: () => (down = true),
  });
  let body: string;
  try {
    body = await relayBody(sent, 'Unable to access meeting on server.', call.tenant.id);
  } catch (e) {
    if (down && recovering) return onUnknown();
    throw e;
  }
  if (seconds > 0) background(call, 'shared answer', call.svc.routes.shareAnswer(mode, call.tenant.id, meetingID, body, seconds));
  return xmlResponse(body);
}

export const unknownMeeting = (): Response => {
  throw errors.notFound();
};
