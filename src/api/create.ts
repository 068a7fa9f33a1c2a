import type { NodeResponse } from '../bbb/client.js';
import { errors } from '../bbb/errors.js';
import { param, type Params } from '../bbb/query.js';
import type { XmlObject } from '../bbb/xml.js';
import { newMeetingReservation } from '../cluster/load.js';
import { callServer } from '../cluster/node.js';
import { generatePassword, parseServerTag, voiceBridgeCandidates } from '../cluster/placement.js';
import { recordMeetingCreated } from '../store/history.js';
import type { PlaceResult } from '../store/routes.js';
import type { ServerRow } from '../store/servers.js';
import { applyParamPolicy, setParam } from '../tenancy/params.js';
import { background, requireMeetingID, servers, type ApiCall, type Handler } from './context.js';
import { relay } from './relay.js';
import { meetingIndexEntry } from './meeting-index.js';

const UNREACHABLE = 'Unable to create meeting on server.';

/**
 * create: one Redis round trip places the meeting atomically (or finds its live route), one call
 * creates it on the node; Postgres only in waitUntil. A meeting pinned to an offline, disabled or
 * deleted server is placed anew (Scalelite #202/#1161); one on a cordoned server only while it
 * still runs there.
 */
export const create: Handler = async (call) => {
  const { cfg } = call.svc;
  const meetingID = requireMeetingID(call.params);
  const tag = cfg.createParams.overrides.find(([k]) => k === 'meta_server-tag')?.[1] ??
    param(call.params, 'meta_server-tag') ??
    cfg.createParams.defaults.find(([k]) => k === 'meta_server-tag')?.[1];
  const moderatorPW = param(call.params, 'moderatorPW') || generatePassword();
  const pool = await servers(call);

  let placed = await place(call, meetingID, tag, moderatorPW);
  let server = pool.get(placed.server);
  if (placed.status === 'existing' && (!server || (placed.serverState === 'cordoned' && !(await stillRunning(call, server, meetingID))))) {
    placed = await place(call, meetingID, tag, moderatorPW, placed.server);
    server = pool.get(placed.server);
  }
  if (!server) throw errors.internalError('Could not find any available servers.');
  const isNew = placed.status === 'new';

  let params = applyParamPolicy(call.params, cfg.createParams);
  params = setParam(params, 'voiceBridge', placed.voiceBridge || undefined);
  params = setParam(params, 'meta_server-tag', server.tag ?? undefined);
  if (isNew) params = setParam(params, 'moderatorPW', placed.moderatorPW);
  if (cfg.maxMeetingDuration > 0) {
    const duration = Number(param(params, 'duration') ?? 0);
    if (!(duration > 0) || duration > cfg.maxMeetingDuration) params = setParam(params, 'duration', String(cfg.maxMeetingDuration));
  }

  const sent = callServer(cfg, server, 'create', params, {
    ...(call.xmlBody ? { body: { contentType: 'application/xml', text: call.xmlBody.text } } : {}),
  });
  // Nothing created on the node: release a new meeting's route and voice bridge so a retry can go elsewhere.
  const release = () =>
    isNew && background(call, 'route release', call.svc.routes.forget(call.tenant.id, meetingID, server.id));
  sent.then((res) => (res.ok ? remember(call, meetingID, server, res, params, isNew) : release()), release);
  return relay(sent, UNREACHABLE);
};

async function place(
  call: ApiCall,
  meetingID: string,
  tag: string | undefined,
  moderatorPW: string,
  avoidServer?: string,
): Promise<Extract<PlaceResult, { server: string }>> {
  const { cfg } = call.svc;
  const { tags, required } = parseServerTag(tag);
  const preferred = cfg.useExternalVoiceBridge ? param(call.params, 'voiceBridge') : undefined;
  const result = await call.svc.routes.place({
    tenant: call.tenant.id,
    meetingID,
    now: Date.now(),
    ttlSeconds: cfg.meetingTtlSeconds,
    tags,
    tagsRequired: required,
    reserve: newMeetingReservation(cfg.load),
    voiceBridges: await voiceBridgeCandidates(`${call.tenant.id}:${meetingID}`, cfg.voiceBridgeLength, preferred),
    moderatorPW,
    ...(avoidServer ? { avoidServer } : {}),
    indexEntry: JSON.stringify({ placedAt: Date.now() }),
  });
  switch (result.status) {
    case 'no_server':
      throw errors.internalError('Could not find any available servers.');
    case 'tag_unavailable':
      throw errors.serverTagUnavailable(tags.join(';'));
    case 'vb_exhausted':
      throw errors.internalError('Unable to allocate a voice bridge for the meeting.');
    default:
      return result;
  }
}

/** Scalelite's cordon rule: a cordoned server keeps a meeting only while it is still running there. */
async function stillRunning(call: ApiCall, server: ServerRow, meetingID: string): Promise<boolean> {
  try {
    const res = await callServer(call.svc.cfg, server, 'isMeetingRunning', [['meetingID', meetingID]]);
    return res.ok && (res.response as XmlObject).running === 'true';
  } catch {
    return false;
  }
}

/** What getMeetings shows until the next poll, and the history row; both off the hot path. */
function remember(call: ApiCall, meetingID: string, server: ServerRow, res: NodeResponse, params: Params, isNew: boolean): void {
  const entry = meetingIndexEntry(server.id, res.response, params);
  background(call, 'meeting index', call.svc.routes.recordCreated(call.tenant.id, meetingID, JSON.stringify(entry)));
  if (isNew) {
    const internalMeetingID = String((res.response as XmlObject).internalMeetingID ?? '');
    background(
      call,
      'meeting history',
      recordMeetingCreated(call.svc.sql, { tenant: call.tenant.id, meetingID, internalMeetingID, server: server.id }),
    );
  }
}
