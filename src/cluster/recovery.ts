import type { Params } from '../bbb/query.js';
import { count } from '../observability/counters.js';
import { log } from '../observability/log.js';
import type { Services } from '../services.js';

/**
 * What is kept with a meeting's route so the meeting can be re-created on another node when its
 * own is found down (docs/node-lifecycle.md): the create parameters as the LMS sent them (policies
 * are applied again at re-creation; the moderator password is the one the meeting got) and the XML
 * body (presentation modules). The record lives in Redis with the route and is never logged.
 */
export interface RecoveryRecord {
  params: Params;
  xmlBody?: string;
}

/** Largest record kept; over it the XML body is left out, and past it with params alone nothing is kept. */
export const MAX_RECOVERY_BYTES = 64 * 1024;

export function encodeRecovery(meetingID: string, record: RecoveryRecord): string {
  const full = JSON.stringify(record);
  const bytes = new TextEncoder().encode(full).length;
  if (bytes <= MAX_RECOVERY_BYTES) return full;
  const bare = JSON.stringify({ params: record.params });
  const kept = new TextEncoder().encode(bare).length <= MAX_RECOVERY_BYTES ? bare : '';
  // Sizes only: the record holds passwords and URLs.
  log('warn', kept ? 'meeting recovery keeps the create parameters without the XML body' : 'meeting recovery keeps nothing for this meeting', {
    meetingID,
    bytes,
    limit: MAX_RECOVERY_BYTES,
  });
  return kept;
}

export function decodeRecovery(text: string): RecoveryRecord | null {
  try {
    const r = JSON.parse(text) as RecoveryRecord;
    return Array.isArray(r.params) ? r : null;
  } catch {
    return null;
  }
}

/** recreated elsewhere; failed (no server, or the new node failed too); no_record (nothing kept); off (MEETING_RECOVERY=off). */
export type RecoveryOutcome = 'recreated' | 'failed' | 'no_record' | 'off';

export interface LostMeeting {
  tenant: string;
  meetingID: string;
  /** The meetingID as the nodes know it, to find the meeting in bbb-web's logs. */
  nodeMeetingID: string;
  /** The server the meeting was lost with, and the one it was re-created on. */
  from: string;
  to?: string;
  /** The new node's id of the re-created meeting. */
  internalMeetingID?: string;
}

/** A meeting whose server was lost: counted by outcome (no round trip of its own), and one event line. */
export function noteRecovery(svc: Services, outcome: RecoveryOutcome, meeting: LostMeeting): void {
  count(svc, 'scaleflare_meeting_recoveries_total', { outcome });
  if (outcome === 'recreated') log('notice', 'meeting recovered', { ...meeting });
  else log('warn', 'meeting not recovered', { ...meeting, outcome });
}
