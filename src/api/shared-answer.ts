import { errors } from '../bbb/errors.js';
import { background, nodeCall, nodeMeetingIDOf, requireMeetingID, routedServer, xmlResponse, type ApiCall } from './context.js';
import { relayBody } from './relay.js';

/**
 * getMeetingInfo and isMeetingRunning: LMSs poll them for every open room page (Greenlight every
 * 10 s, Moodle per viewer), so a node's answer is shared for MEETING_INFO_CACHE_SECONDS. The
 * lookup that finds the route also returns a fresh shared answer, so a hit costs one Redis round
 * trip and no node call; create, join and end on the meeting drop it.
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
  if (route.answer) return xmlResponse(route.answer);
  const body = await relayBody(
    nodeCall(call, server, mode === 'info' ? 'getMeetingInfo' : 'isMeetingRunning', [['meetingID', nodeMeetingIDOf(call, meetingID)]], {
      online: route.online,
    }),
    'Unable to access meeting on server.',
    call.tenant.id,
  );
  if (seconds > 0) background(call, 'shared answer', call.svc.routes.shareAnswer(mode, call.tenant.id, meetingID, body, seconds));
  return xmlResponse(body);
}

export const unknownMeeting = (): Response => {
  throw errors.notFound();
};
