import { errors } from '../bbb/errors.js';
import { callServer } from '../cluster/node.js';
import { requireMeetingID, routedServer, type Handler } from './context.js';
import { relay } from './relay.js';

/** Only meetingID is forwarded, as in Scalelite; the node's answer comes back as BBB wrote it. */
export const getMeetingInfo: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const found = await routedServer(call, meetingID);
  if (!found) throw errors.notFound();
  const { route, server } = found;
  return relay(
    callServer(call.svc.cfg, server, 'getMeetingInfo', [['meetingID', meetingID]], { online: route.online }),
    'Unable to access meeting on server.',
  );
};
