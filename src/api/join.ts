import { signedUrl } from '../bbb/client.js';
import { errors } from '../bbb/errors.js';
import { countJoinRedirect } from '../observability/counters.js';
import { applyParamPolicy, applyTenantPolicy, setParam } from '../tenancy/params.js';
import { nodeMeetingIDOf, requireMeetingID, routedServer, type Handler } from './context.js';

/**
 * One Redis round trip (route + server health), no Postgres, no call to the node: the browser is
 * redirected to the node's own join, signed with the node's secret.
 */
export const join: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const found = await routedServer(call, meetingID, 'join');
  if (!found) throw errors.notFound();
  const { route, server } = found;
  // Cordoned servers keep their meetings joinable; offline or disabled ones do not.
  if (!route.online || server.state === 'disabled') throw errors.serverUnavailable();
  const policed = applyTenantPolicy(applyParamPolicy(call.params, call.svc.cfg.joinParams), call.tenant.settings.join);
  const params = setParam(policed, 'meetingID', nodeMeetingIDOf(call, meetingID));
  const location = await signedUrl({ url: server.url, secret: server.secret }, 'join', params, call.svc.cfg.nodeAlgorithm);
  countJoinRedirect(call.svc, server.id);
  return new Response(null, { status: 302, headers: { Location: location, 'Cache-Control': 'no-cache' } });
};
