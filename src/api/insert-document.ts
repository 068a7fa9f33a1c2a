import { errors } from '../bbb/errors.js';
import { nodeCall, nodeMeetingIDOf, requireMeetingID, routedServer, type Handler } from './context.js';
import { relay } from './relay.js';

/** The XML `<modules>` body goes to the meeting's node as is. */
export const insertDocument: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const found = await routedServer(call, meetingID);
  if (!found) throw errors.notFound();
  const { route, server } = found;
  return relay(
    nodeCall(call, server, 'insertDocument', [['meetingID', nodeMeetingIDOf(call, meetingID)]], {
      online: route.online,
      body: { contentType: 'application/xml', text: call.xmlBody?.text ?? '' },
    }),
    'Unable to insert document on server.',
    call.tenant.id,
  );
};
