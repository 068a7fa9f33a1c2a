import type { Server } from './api-types.js';
import { positive, type Command, type Invocation } from './command.js';
import { CliError, usageError } from './errors.js';
import { print, table } from './output.js';
import { listServers } from './resolve.js';

/**
 * `scaleflare status`: Scalelite's `rake status` table, plus load, version and the last poll, and
 * under it what went wrong: servers offline (since when), suspect, auto-panicked, with their last error.
 */

/** Scalelite's HOSTNAME, with the port when there is one, so nodes on one host stay apart. */
export const hostname = (url: string) => {
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

/** One line about what happened to a server, or undefined when nothing did (disabled servers are not polled). */
export function trouble(s: Server, now: number): string | undefined {
  const h = s.health;
  if (s.state === 'disabled' || (h.online && !h.lastError && !h.panickedAt && !h.suspect)) return undefined;
  const parts = [
    h.online ? 'online' : `offline${h.offlineSince ? ` since ${h.offlineSince} (${ago(h.offlineSince, now)})` : ''}`,
    // Found down on the request path before any poll noticed: why it gets no meeting while "online".
    ...(h.suspect ? [`suspect since ${h.suspect.since} (${ago(h.suspect.since, now)}): ${h.suspect.cause}; takes no new meeting until a poll clears it`] : []),
    ...(h.failures > 0 ? [`${h.failures} failed poll(s) in a row`] : []),
    ...(h.panickedAt ? [`auto-panicked ${ago(h.panickedAt, now)} (${h.panickedAt}): its meetings were dropped`] : []),
    ...(h.lastError ? [`last error: ${h.lastError}`] : []),
  ];
  return `${hostname(s.url)}: ${parts.join('; ')}`;
}

export function statusText(servers: Server[], now: number): string {
  if (servers.length === 0) return 'No servers are configured\n';
  const troubles = [...servers]
    .sort((a, b) => hostname(a.url).localeCompare(hostname(b.url)))
    .flatMap((s) => trouble(s, now) ?? []);
  return statusTable(servers, now) + (troubles.length ? `\n${troubles.join('\n')}\n` : '');
}

async function show(inv: Invocation): Promise<void> {
  const servers = await listServers(inv.client);
  print(inv.out, { servers }, () => statusText(servers, Date.now()));
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** Refreshes until Ctrl-C; a failed refresh is said and retried, as the balancer may be restarting. */
async function watch(inv: Invocation, seconds: number): Promise<never> {
  for (;;) {
    if (!inv.out.json) inv.out.write(`${process.stdout.isTTY ? CLEAR_SCREEN : ''}Every ${seconds}s, ${new Date().toISOString()} (Ctrl-C to stop)\n\n`);
    try {
      await show(inv);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      inv.out.write(`scaleflare: ${e.message} (trying again in ${seconds}s)\n`);
    }
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
}

export const statusCommand: Command = {
  words: ['status'],
  usage: '[--watch [--interval <seconds>]]',
  summary: 'The pool at a glance: state, online, meetings, users, largest meeting, videos, load, version, last poll; offline since, suspicion, auto-panic and last error of servers in trouble; --watch refreshes (every 5 s) until Ctrl-C',
  options: { watch: { type: 'boolean' }, interval: { type: 'string' } },
  args: [0, 0],
  run: async (inv) => {
    const seconds = positive(inv.values, 'interval');
    if (inv.values.watch === true) await watch(inv, seconds ?? 5);
    if (seconds !== undefined) throw usageError('--interval goes with --watch');
    await show(inv);
  },
};
