import { renderResponse, xmlList, xmlText, type XmlObject } from '../bbb/xml.js';
import { describeError, log } from '../observability/log.js';
import type { ServerRow } from '../store/servers.js';
import { nodeCall, servers, xmlResponse, type ApiCall, type Handler } from './context.js';
import { runningMeetings } from './get-meetings.js';

/** get-sessions.ftlx's empty answer, message as BBB writes it. */
function noSessions(): Response {
  return xmlResponse(
    renderResponse({ returncode: 'SUCCESS', sessions: '', messageKey: 'noSessions', message: 'no sessions were found on this serverr' }),
  );
}

/**
 * BBB's getSessions for the whole pool: the join sessions of the tenant's running meetings. One
 * Redis round trip (getMeetings' snapshot says which servers hold which of the tenant's meetings),
 * then one getSessions per such server, in parallel. Nodes answer with internal meetingIDs, so a
 * session is kept only when its meeting is the tenant's; a node that fails is left out, never
 * failing the call (as getMeetings, Scalelite #498).
 */
export const getSessions: Handler = async (call) => {
  const owned = new Map<string, Set<string>>();
  for (const { server, meeting } of await runningMeetings(call)) {
    const internalID = xmlText(meeting.internalMeetingID);
    if (!internalID) continue;
    owned.set(server, (owned.get(server) ?? new Set()).add(internalID));
  }
  const pool = await servers(call);
  const perServer = await Promise.all([...owned].map(([id, internalIDs]) => sessionsOn(call, id, pool, internalIDs)));
  const sessions = perServer.flat();
  if (sessions.length === 0) return noSessions();
  return xmlResponse(renderResponse({ returncode: 'SUCCESS', sessions: { meeting: sessions } }));
};

async function sessionsOn(call: ApiCall, id: string, pool: Map<string, ServerRow>, internalIDs: Set<string>): Promise<XmlObject[]> {
  const server = pool.get(id);
  if (!server || server.state === 'disabled') return [];
  try {
    const res = await nodeCall(call, server, 'getSessions', []);
    if (!res.ok) throw new Error(`${res.messageKey ?? 'FAILED'}: ${res.message ?? ''}`);
    return xmlList(res.response.sessions, 'meeting').filter(
      (m): m is XmlObject => typeof m === 'object' && internalIDs.has(xmlText(m.meetingID) ?? ''),
    );
  } catch (e) {
    log('warn', 'getSessions: server left out', { server: id, error: describeError(e) });
    return [];
  }
}
