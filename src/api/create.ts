import type { NodeResponse } from '../bbb/client.js';
import { param, type Params } from '../bbb/query.js';
import type { XmlObject } from '../bbb/xml.js';
import { placeMeeting } from '../cluster/meeting-placement.js';
import { encodeRecovery, noteRecovery } from '../cluster/recovery.js';
import { generatePassword } from '../cluster/placement.js';
import { captureAnalyticsCallback } from '../recordings/analytics/capture.js';
import { captureCallbacks } from '../recordings/callbacks/capture.js';
import { rememberMeetingCallbacks } from '../store/callbacks.js';
import { recordMeetingCreated } from '../store/history.js';
import type { ServerRow } from '../store/servers.js';
import { applyParamPolicy, applyTenantPolicy, setParam } from '../tenancy/params.js';
import { lrsPayload } from '../tenancy/lrs.js';
import { unscopeMeeting } from '../tenancy/scope.js';
import { background, nodeCall, nodeMeetingIDOf, requireMeetingID, servers, type ApiCall, type Handler } from './context.js';
import { meetingIndexEntry } from './meeting-index.js';
import { relay } from './relay.js';

const UNREACHABLE = 'Unable to create meeting on server.';

/**
 * create: one Redis round trip places the meeting atomically (or finds its live route), one call
 * creates it on the node; Postgres only in waitUntil.
 */
export const create: Handler = (call) => relay(createMeeting(call).then((r) => r.res), UNREACHABLE, call.tenant.id);

/** isNew: this call placed the meeting (a concurrent call may have re-created it first). */
type Created = { server: ServerRow; res: NodeResponse; isNew: boolean };

/** Told by a create attempt: the server whose node was found down, and the one the meeting was lost with. */
interface CreateWatch {
  down(server: string): void;
  lost(server: string): void;
}

/**
 * Creates the meeting where placement says. With MEETING_RECOVERY, a node found down by the call
 * (its server now suspect) costs one more placement, away from it, and one more create there.
 * A meeting lost with its server (`lostFrom`: the join that found it unhealthy says so, else the
 * placement or the call learns it) is counted and logged as a recovery, whatever its outcome.
 */
export async function createMeeting(call: ApiCall, lostFrom?: string): Promise<Created> {
  let from = lostFrom;
  let down: string | undefined;
  const watch: CreateWatch = { down: (server) => (down = server), lost: (server) => (from ??= server) };
  try {
    const created = await createOn(call, watch).catch((e: unknown) => {
      if (!down || !call.svc.cfg.meetingRecovery) throw e;
      // Nowhere else to go (or failing there too): the LMS hears about the node it was given first.
      return createOn(call, watch, down).catch(() => {
        throw e;
      });
    });
    if (from && created.isNew) recovered(call, from, created);
    return created;
  } catch (e) {
    if (from) recovered(call, from);
    throw e;
  }
}

function recovered(call: ApiCall, from: string, created?: Created): void {
  const meetingID = requireMeetingID(call.params);
  const ok = created?.res.ok === true;
  noteRecovery(call.svc, ok ? 'recreated' : 'failed', {
    tenant: call.tenant.id,
    meetingID,
    nodeMeetingID: nodeMeetingIDOf(call, meetingID),
    from,
    ...(created ? { to: created.server.id } : {}),
    ...(ok ? { internalMeetingID: String((created.res.response as XmlObject).internalMeetingID ?? '') } : {}),
  });
}

async function createOn(call: ApiCall, watch: CreateWatch, avoidServer?: string): Promise<Created> {
  const { cfg } = call.svc;
  const meetingID = requireMeetingID(call.params);
  const policed = applyTenantPolicy(applyParamPolicy(call.params, cfg.createParams), call.tenant.settings.create);
  // A tenant pinned to its own servers wins over what the LMS asks for.
  const tag = call.tenant.settings.serverTag ?? param(policed, 'meta_server-tag');
  const moderatorPW = param(call.params, 'moderatorPW') || generatePassword();
  // The LMS's own parameters, with the password the meeting gets, so a re-creation gives the same.
  const kept: Params = [...call.params.filter(([k]) => k !== 'moderatorPW'), ['moderatorPW', moderatorPW]];
  const recovery = cfg.meetingRecovery ? encodeRecovery(meetingID, { params: kept, ...(call.xmlBody ? { xmlBody: call.xmlBody.text } : {}) }) : '';
  const { placed, server } = await placeMeeting(call.svc, await servers(call), {
    tenant: call.tenant.id,
    meetingID,
    tag,
    moderatorPW,
    sizeHint: param(policed, 'meta_bbb-meeting-size-hint'),
    ...(avoidServer ? { avoidServer } : {}),
    ...(recovery ? { recovery } : {}),
    ...(call.tenant.settings.limits ? { limits: call.tenant.settings.limits } : {}),
    ...(cfg.useExternalVoiceBridge ? { preferredVoiceBridge: param(call.params, 'voiceBridge') } : {}),
  });
  const isNew = placed.status === 'new';
  if (placed.lostFrom) watch.lost(placed.lostFrom);

  // Frontend callbacks stay with the balancer (the node never calls the frontend); stored off the hot path.
  const captured = await captureCallbacks(policed, {
    tenant: call.tenant,
    meetingID,
    server: server.id,
    requestOrigin: call.origin,
    urlHost: cfg.urlHost,
    allowPrivateUrls: cfg.callbacks.allowPrivateUrls,
  });
  const analytics = await captureAnalyticsCallback(captured.params, {
    tenant: call.tenant,
    meetingID,
    requestOrigin: call.origin,
    urlHost: cfg.urlHost,
    multitenancy: cfg.multitenancy,
    allowPrivateUrls: cfg.callbacks.allowPrivateUrls,
    signingSecret: cfg.secrets[0]!,
  });
  const urls = analytics.url ? { ...captured.urls, analyticsCallbackUrl: analytics.url } : captured.urls;
  if (urls) {
    background(call, 'meeting callbacks', rememberMeetingCallbacks(call.svc.sql, { tenant: call.tenant.id, meetingID, ...urls }));
  }
  let params = setParam(analytics.params, 'meetingID', nodeMeetingIDOf(call, meetingID));
  params = setParam(params, 'voiceBridge', placed.voiceBridge || undefined);
  params = setParam(params, 'meta_server-tag', server.tag ?? undefined);
  if (isNew) params = setParam(params, 'moderatorPW', placed.moderatorPW);
  if (cfg.maxMeetingDuration > 0) {
    const duration = Number(param(params, 'duration') ?? 0);
    if (!(duration > 0) || duration > cfg.maxMeetingDuration) params = setParam(params, 'duration', String(cfg.maxMeetingDuration));
  }
  // Only tenants with LRS settings pay for it (a Keycloak token request, bounded); no storage round trip.
  const lrs = call.tenant.settings.lrs && (await lrsPayload(call.tenant.settings.lrs, server.secret));
  if (lrs) params = setParam(params, 'meta_secret-lrs-payload', lrs);

  const sent = nodeCall(call, server, 'create', params, {
    ...(call.xmlBody ? { body: { contentType: 'application/xml', text: call.xmlBody.text } } : {}),
    retryTimeout: true,
    onDown: () => {
      watch.down(server.id);
      // The meeting ran there: it is lost with its node.
      if (!isNew) watch.lost(server.id);
    },
  });
  // Nothing created on the node: release a new meeting's route and voice bridge so a retry can go elsewhere.
  const release = () =>
    isNew && background(call, 'route release', call.svc.routes.forget(call.tenant.id, meetingID, server.id));
  // An existing meeting is already indexed (by its first create, or by the poller).
  sent.then((res) => (!res.ok ? release() : isNew && remember(call, meetingID, server, res, params)), release);
  return { server, res: await sent, isNew };
}

/** What getMeetings shows until the next poll, and the history row; both off the hot path. */
function remember(call: ApiCall, meetingID: string, server: ServerRow, res: NodeResponse, params: Params): void {
  const entry = meetingIndexEntry(server.id, unscopeMeeting(res.response, call.tenant.id), params);
  background(call, 'meeting index', call.svc.routes.recordCreated(call.tenant.id, meetingID, JSON.stringify(entry)));
  const internalMeetingID = String((res.response as XmlObject).internalMeetingID ?? '');
  background(
    call,
    'meeting history',
    recordMeetingCreated(call.svc.sql, { tenant: call.tenant.id, meetingID, internalMeetingID, server: server.id }),
  );
}
