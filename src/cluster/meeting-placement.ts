import { errors } from '../bbb/errors.js';
import { countPlacement } from '../observability/counters.js';
import type { XmlObject } from '../bbb/xml.js';
import type { Services } from '../services.js';
import type { PlaceResult } from '../store/routes.js';
import type { ServerRow } from '../store/servers.js';
import { nodeMeetingID } from '../tenancy/scope.js';
import { expectedUsers, newMeetingReservation } from './load.js';
import { callServer } from './node.js';
import { parseServerTag, voiceBridgeCandidates } from './placement.js';

type Placed = Extract<PlaceResult, { server: string }>;

export interface PlacementRequest {
  tenant: string;
  meetingID: string;
  /** `meta_server-tag` after the params policy. */
  tag: string | undefined;
  moderatorPW: string;
  /** The client's voiceBridge, tried first (USE_EXTERNAL_VOICE_BRIDGE). */
  preferredVoiceBridge?: string | undefined;
  /** The tenant's soft limits on new meetings. */
  limits?: { meetings?: number | undefined; attendees?: number | undefined };
  /** Place anew if the route is on this server (its node was just found down). */
  avoidServer?: string;
  /** The meeting's recovery record, kept with a new route (src/cluster/recovery.ts). */
  recovery?: string;
  /** `meta_bbb-meeting-size-hint` after the params policy: the users to reserve. */
  sizeHint?: string | undefined;
}

/**
 * Where a create goes: the meeting's live route, or a new placement. A meeting pinned to an
 * offline, disabled or deleted server is placed anew (Scalelite #202/#1161); one on a cordoned
 * server stays only while it still runs there (Scalelite #1260).
 */
export async function placeMeeting(
  svc: Services,
  pool: Map<string, ServerRow>,
  req: PlacementRequest,
): Promise<{ placed: Placed; server: ServerRow }> {
  let placed = await place(svc, req, req.avoidServer);
  let server = pool.get(placed.server);
  const stale = !server || (placed.serverState === 'cordoned' && !(await stillRunning(svc, server, req.tenant, req.meetingID)));
  if (placed.status === 'existing' && stale) {
    placed = await place(svc, req, placed.server);
    server = pool.get(placed.server);
  }
  if (!server) throw errors.internalError('Could not find any available servers.');
  return { placed, server };
}

async function place(svc: Services, req: PlacementRequest, avoidServer?: string): Promise<Placed> {
  const { cfg } = svc;
  const { tags, required } = parseServerTag(req.tag);
  const now = Date.now();
  const users = expectedUsers(req.sizeHint, cfg.load);
  const result = await svc.routes.place({
    tenant: req.tenant,
    meetingID: req.meetingID,
    now,
    ttlSeconds: cfg.meetingTtlSeconds,
    tags,
    tagsRequired: required,
    reserve: newMeetingReservation(cfg.load, users),
    users,
    voiceBridges: await voiceBridgeCandidates(`${req.tenant}:${req.meetingID}`, cfg.voiceBridgeLength, req.preferredVoiceBridge),
    moderatorPW: req.moderatorPW,
    ...(avoidServer ? { avoidServer } : {}),
    limits: { meetings: req.limits?.meetings ?? -1, attendees: req.limits?.attendees ?? -1 },
    indexEntry: JSON.stringify({ placedAt: now }),
    ...(req.recovery ? { recovery: req.recovery } : {}),
  });
  countPlacement(svc, result);
  switch (result.status) {
    case 'no_server':
      throw errors.internalError('Could not find any available servers.');
    case 'full':
      throw errors.poolFull();
    case 'tag_unavailable':
      throw errors.serverTagUnavailable(tags.join(';'));
    case 'vb_exhausted':
      throw errors.internalError('Unable to allocate a voice bridge for the meeting.');
    case 'meetings_limit':
      throw errors.tenantLimit('maxMeetingsReached', 'The maximum number of concurrent meetings for this tenant has been reached.');
    case 'attendees_limit':
      throw errors.tenantLimit('maxAttendeesReached', 'The maximum number of concurrent attendees for this tenant has been reached.');
    default:
      return result;
  }
}

async function stillRunning(svc: Services, server: ServerRow, tenant: string, meetingID: string): Promise<boolean> {
  try {
    const res = await callServer(svc.cfg, server, 'isMeetingRunning', [['meetingID', nodeMeetingID(tenant, meetingID)]]);
    return res.ok && (res.response as XmlObject).running === 'true';
  } catch {
    return false;
  }
}
