import type { Server } from './api-types.js';
import type { Command } from './command.js';
import { print, table } from './output.js';
import { listServers } from './resolve.js';

/** `scaleflare status`: Scalelite's `rake status` table, plus load, version and the last poll. */

/** Scalelite's HOSTNAME, with the port when there is one, so nodes on one host stay apart. */
const hostname = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** How long ago, in whole seconds/minutes/hours: enough to spot a poller that stopped. */
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

export function statusTable(servers: Server[], now: number): string {
  const sorted = [...servers].sort((a, b) => hostname(a.url).localeCompare(hostname(b.url)));
  return table(
    ['HOSTNAME', 'STATE', 'STATUS', 'MEETINGS', 'USERS', 'LARGEST MEETING', 'VIDEOS', 'LOAD', 'VERSION', 'LAST POLL'],
    sorted.map((s) => {
      const h = s.health;
      return [hostname(s.url), s.state, h.online ? 'online' : 'offline', h.meetings, h.users, h.largestMeeting, h.videos, h.load, h.version, ago(h.lastPoll, now)];
    }),
  );
}

export const statusCommand: Command = {
  words: ['status'],
  usage: '',
  summary: 'The pool at a glance: state, online, meetings, users, largest meeting, videos, load, version, last poll',
  args: [0, 0],
  run: async (inv) => {
    const servers = await listServers(inv.client);
    print(inv.out, { servers }, () => (servers.length ? statusTable(servers, Date.now()) : 'No servers are configured\n'));
  },
};
