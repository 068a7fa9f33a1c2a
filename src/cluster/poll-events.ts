import { log } from '../observability/log.js';
import type { Services } from '../services.js';
import type { PanickedMeeting, ServerHealth } from '../store/cluster-state.js';
import type { ServerRow } from '../store/servers.js';
import type { ServerPoll } from './poll-servers.js';

/** A server as an operator knows it: its id and its host (never the full URL). */
const named = (s: ServerRow) => ({ server: s.id, host: new URL(s.url).host });

/**
 * The events of a poll cycle, each naming the server: online, offline, auto-panicked (with the
 * meetings dropped) and cordoned → disabled. Health after the cycle is read only for servers
 * whose answer could have changed their state (answered while offline, failed while online, or
 * failed and not yet panicked), so a steady pool costs no round trip for this.
 */
export async function logServerEvents(
  svc: Services,
  o: {
    active: ServerRow[];
    before: Map<string, ServerHealth>;
    polled: Map<string, ServerPoll>;
    panicked: PanickedMeeting[];
    disabled: ServerRow[];
  },
): Promise<void> {
  for (const s of o.disabled) log('notice', 'server disabled: cordoned and empty', { ...named(s), from: 'cordoned', to: 'disabled' });
  const changing = o.active.filter((s) => {
    const answered = o.polled.get(s.id)?.result.online;
    const was = o.before.get(s.id);
    return answered !== undefined && (answered !== (was?.online ?? false) || (!answered && !was?.panickedAt));
  });
  if (changing.length === 0) return;
  const after = await svc.cluster.health(changing);
  for (const s of changing) {
    const was = o.before.get(s.id);
    const now = after.get(s.id);
    if (!now) continue;
    if (now.online && !was?.online) log('notice', 'server online', named(s));
    if (!now.online && was?.online) {
      log('warn', 'server offline', { ...named(s), lastError: now.lastError, failures: now.failures, meetings: was.meetings });
    }
    if (now.panickedAt && now.panickedAt !== was?.panickedAt) {
      const dropped = o.panicked.filter((m) => m.server === s.id).map((m) => ({ tenant: m.tenant, meetingID: m.meetingID }));
      log('warn', 'server auto-panicked', { ...named(s), failures: now.failures, lastError: now.lastError, meetingsDropped: dropped });
    }
  }
}
