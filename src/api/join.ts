import { NodeCallError, signedUrl } from '../bbb/client.js';
import { BbbError, errors } from '../bbb/errors.js';
import type { Params } from '../bbb/query.js';
import { decodeRecovery, noteRecovery } from '../cluster/recovery.js';
import { countJoinRedirect } from '../observability/counters.js';
import type { Route } from '../store/routes.js';
import type { ServerRow } from '../store/servers.js';
import { applyParamPolicy, applyTenantPolicy, setParam } from '../tenancy/params.js';
import { createMeeting } from './create.js';
import { nodeCall, nodeMeetingIDOf, requireMeetingID, routedServer, type ApiCall, type Handler } from './context.js';

/**
 * One Redis round trip (route + server health), no Postgres, no call to the node (but while its
 * secret rotation is pending): the browser is redirected to the node's own join, signed with the
 * node's secret. A meeting whose node is suspect or offline is first re-created on a healthy one
 * (MEETING_RECOVERY), and the browser goes there.
 */
export const join: Handler = async (call) => {
  const meetingID = requireMeetingID(call.params);
  const found = await routedServer(call, meetingID, 'join');
  if (!found) throw errors.notFound();
  const { route } = found;
  // Cordoned servers keep their meetings joinable; disabled ones do not (nor are they polled, so
  // a copy made elsewhere could not be told stale); offline or suspect ones get theirs re-created.
  if (found.server.state === 'disabled') throw errors.serverUnavailable();
  const server = route.online ? found.server : await recreated(call, meetingID, route);
  const policed = applyTenantPolicy(applyParamPolicy(call.params, call.svc.cfg.joinParams), call.tenant.settings.join);
  const params = setParam(policed, 'meetingID', nodeMeetingIDOf(call, meetingID));
  const secret = server.secretNext ? await acceptedSecret(call, server, server.secretNext, params) : server.secret;
  const location = await signedUrl({ url: server.url, secret }, 'join', params, call.svc.cfg.nodeAlgorithm);
  countJoinRedirect(call.svc, server.id);
  return new Response(null, { status: 302, headers: { Location: location, 'Cache-Control': 'no-cache' } });
};

/**
 * The meeting re-created from its recovery record, as its LMS created it (src/cluster/recovery.ts):
 * the cost of a create (placement, one node call) once; concurrent joins land on one placement.
 */
async function recreated(call: ApiCall, meetingID: string, route: Route): Promise<ServerRow> {
  const { meetingRecovery } = call.svc.cfg;
  const record = meetingRecovery && route.recovery ? decodeRecovery(route.recovery) : null;
  if (!record) {
    const lost = { tenant: call.tenant.id, meetingID, nodeMeetingID: nodeMeetingIDOf(call, meetingID), from: route.server };
    noteRecovery(call.svc, meetingRecovery ? 'no_record' : 'off', lost);
    throw errors.serverUnavailable();
  }
  const replay: ApiCall = { ...call, params: record.params, ...(record.xmlBody ? { xmlBody: { text: record.xmlBody } } : {}) };
  const { server, res } = await createMeeting(replay, route.server).catch((e: unknown) => {
    throw e instanceof NodeCallError || e instanceof BbbError ? errors.serverUnavailable() : e;
  });
  if (!res.ok) throw errors.serverUnavailable();
  return server;
}

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
