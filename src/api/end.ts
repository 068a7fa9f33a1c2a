import { errors } from '../bbb/errors.js';
import { param } from '../bbb/query.js';
import { recordMeetingEnded } from '../store/history.js';
import { background, nodeCall, nodeMeetingIDOf, requireMeetingID, servers, type Handler } from './context.js';
import { relay } from './relay.js';

/**
 * As Scalelite: the route goes first, then the node is asked to end the meeting, so a dead node
 * cannot keep a meeting pinned. Only meetingID and password are forwarded.
 */
export const end: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const route = await call.svc.routes.forget(call.tenant.id, meetingID);
  if (!route) throw errors.notFound();
  background(call, 'meeting history', recordMeetingEnded(call.svc.sql, { tenant: call.tenant.id, meetingID }));
  const server = (await servers(call)).get(route.server);
  if (!server) throw errors.internalError('Unable to access meeting on server.');
  const password = param(call.params, 'password');
  return relay(
    nodeCall(call, server, 'end', [['meetingID', nodeMeetingIDOf(call, meetingID)], ...(password !== undefined ? [['password', password] as const] : [])]),
    'Unable to access meeting on server.',
    call.tenant.id,
  );
};
