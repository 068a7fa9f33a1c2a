import { renderResponse } from '../bbb/xml.js';
import { callServer } from '../cluster/node.js';
import { requireMeetingID, routedServer, xmlResponse, type Handler } from './context.js';
import { relay } from './relay.js';

/** Unknown meetings answer locally (running=false); known ones ask their server. */
export const isMeetingRunning: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const found = await routedServer(call, meetingID);
  if (!found) return xmlResponse(renderResponse({ returncode: 'SUCCESS', running: 'false' }));
  const { route, server } = found;
  return relay(
    callServer(call.svc.cfg, server, 'isMeetingRunning', [['meetingID', meetingID]], { online: route.online }),
    'Unable to access meeting on server.',
  );
};
