import { signedUrl } from '../bbb/client.js';
import { errors } from '../bbb/errors.js';
import type { Params } from '../bbb/query.js';
import { countJoinRedirect } from '../observability/counters.js';
import type { ServerRow } from '../store/servers.js';
import { applyParamPolicy, applyTenantPolicy, setParam } from '../tenancy/params.js';
import { nodeCall, nodeMeetingIDOf, requireMeetingID, routedServer, type ApiCall, type Handler } from './context.js';

/**
 * One Redis round trip (route + server health), no Postgres, no call to the node (but while its
 * secret rotation is pending): the browser is redirected to the node's own join, signed with the
 * node's secret.
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
  const secret = server.secretNext ? await acceptedSecret(call, server, server.secretNext, params) : server.secret;
  const location = await signedUrl({ url: server.url, secret }, 'join', params, call.svc.cfg.nodeAlgorithm);
  countJoinRedirect(call.svc, server.id);
  return new Response(null, { status: 302, headers: { Location: location, 'Cache-Control': 'no-cache' } });
};

/**
 * Only while a secret rotation is pending: the browser cannot retry a join the node refuses, so one
 * cheap signed call first learns which secret the node takes now (promoting the new one if so).
 */
async function acceptedSecret(call: ApiCall, server: ServerRow, next: string, params: Params): Promise<string> {
  let secret = server.secret;
  const probe = params.filter(([k]) => k === 'meetingID');
  // Unreachable now: the current secret, as without a rotation.
  await nodeCall(call, server, 'isMeetingRunning', probe, { onSecretNext: () => (secret = next) }).catch(() => undefined);
  return secret;
}
