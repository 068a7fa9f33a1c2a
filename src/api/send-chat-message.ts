import { errors } from '../bbb/errors.js';
import { setParam } from '../tenancy/params.js';
import { nodeCall, nodeMeetingIDOf, requireMeetingID, routedServer, type Handler } from './context.js';
import { relay } from './relay.js';

/**
 * BBB 3.0: a chat message into a running meeting, as the node sees it (one Redis round trip for
 * the route, one node call). Every parameter goes on as sent, the meetingID scoped to the tenant,
 * so the node checks message and userName itself.
 */
export const sendChatMessage: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const found = await routedServer(call, meetingID);
  if (!found) throw errors.notFound();
  const { route, server } = found;
  const sent = call.params.filter(([k]) => k !== 'checksum').map(([k, v]): [string, string] => [k, v]);
  return relay(
    nodeCall(call, server, 'sendChatMessage', setParam(sent, 'meetingID', nodeMeetingIDOf(call, meetingID)), { online: route.online }),
    'Unable to send chat message on server.',
    call.tenant.id,
  );
};
