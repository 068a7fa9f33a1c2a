import { renderResponse, type XmlObject } from '../bbb/xml.js';
import { xmlResponse, type ApiCall, type Handler } from './context.js';
import type { MeetingIndexEntry } from './meeting-index.js';
import { decodeSnapshot } from '../cluster/snapshot.js';

function parse<T>(json: string): Partial<T> {
  try {
    return JSON.parse(json) as Partial<T>;
  } catch {
    return {};
  }
}

/** Scalelite's answer when nothing runs (and always, with GET_MEETINGS_API_DISABLED). */
export function noMeetings(): Response {
  return xmlResponse(
    renderResponse({
      returncode: 'SUCCESS',
      messageKey: 'noMeetings',
      message: 'no meetings were found on this server',
      meetings: '',
    }),
  );
}

/**
 * The tenant's running meetings and their servers, in one Redis round trip and no call to any
 * node: the poller's per-server snapshots, limited to meetings that still have a route, plus
 * meetings created since their server's last poll.
 */
export async function runningMeetings(call: ApiCall): Promise<Array<{ server: string; meeting: XmlObject }>> {
  const { servers, index } = await call.svc.cluster.snapshot(call.tenant.id);
  const meetings: Array<{ server: string; meeting: XmlObject }> = [];
  const shown = new Set<string>();
  const polledAt = new Map<string, number>();
  const decoded = await Promise.all(Object.entries(servers).map(async ([server, stored]) => [server, await decodeSnapshot(stored)] as const));
  for (const [server, snap] of decoded) {
    polledAt.set(server, snap.at ?? 0);
    for (const m of snap.meetings ?? []) {
      const id = String(m.meetingID ?? '');
      if (id in index && !shown.has(id)) {
        shown.add(id);
        meetings.push({ server, meeting: m });
      }
    }
  }
  for (const [id, json] of Object.entries(index)) {
    const e = parse<MeetingIndexEntry>(json);
    if (shown.has(id) || !e.meeting || !e.server || !e.recordedAt) continue;
    // A poll after this create that did not see the meeting means it has ended.
    if ((polledAt.get(e.server) ?? 0) >= e.recordedAt) continue;
    meetings.push({ server: e.server, meeting: e.meeting });
  }
  // Meetings of tenants never show without multitenancy (Scalelite).
  return meetings.filter(({ meeting }) => {
    const meta = meeting.metadata;
    return !(meta && typeof meta === 'object' && !Array.isArray(meta) && 'tenant-id' in meta);
  });
}

/** One Redis round trip, no call to any node, so one slow or dead node cannot fail it (Scalelite #498). */
export const getMeetings: Handler = async (call) => {
  const visible = (await runningMeetings(call)).map(({ meeting }) => meeting);
  if (visible.length === 0) return noMeetings();
  return xmlResponse(renderResponse({ returncode: 'SUCCESS', meetings: { meeting: visible } }));
};
