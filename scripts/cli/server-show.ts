import type { InFlight, Meeting, Meetings, Server, Settings, TenantList } from './api-types.js';
import type { Command } from './command.js';
import { meetingTable } from './meetings.js';
import { print } from './output.js';
import { apiPath, findServer } from './resolve.js';
import { serverRows } from './servers.js';
import { hostname, trouble } from './status.js';

/**
 * `scaleflare servers show <server>`: one server as `servers list` shows it, what happened to it
 * (offline since, auto-panic, last error), its recordings not yet uploaded, and its running
 * meetings in every tenant (one admin call per tenant, from the last poll; no node is called).
 */

interface Shown {
  server: Server;
  pendingUploads: number;
  meetings: (Meeting & { tenant: string })[];
}

function text(s: Shown): string {
  const now = Date.now();
  const lines = [
    serverRows([s.server]).trimEnd(),
    '',
    trouble(s.server, now) ?? `${hostname(s.server.url)}: ${s.server.state === 'disabled' ? 'disabled (not polled)' : 'no trouble'}`,
    `Recordings not fully uploaded: ${s.pendingUploads}`,
    '',
    s.meetings.length ? `Running meetings (${s.meetings.length}):` : 'No running meetings',
  ];
  return `${lines.join('\n')}\n${s.meetings.length ? meetingTable(s.meetings, [s.server]) : ''}`;
}

export const serverShowCommand: Command = {
  words: ['servers', 'show'],
  usage: '<id|url|host>',
  summary: 'One server: its settings and health, offline since / auto-panicked / last error, pending uploads, and its running meetings',
  args: [1, 1],
  run: async (inv) => {
    const server = await findServer(inv.client, inv.args[0]!);
    const [{ tenants }, { features }, uploads] = await Promise.all([
      inv.client.call<TenantList>('GET', '/tenants'),
      inv.client.call<Settings>('GET', '/settings'),
      inv.client.call<InFlight>('GET', apiPath('servers', server.id, 'pending-uploads')),
    ]);
    // Without multitenancy only the default tenant (no ?tenant=) holds meetings; rows left from when it was on do not.
    const queries = features.multitenancy ? tenants.map((t) => `?tenant=${encodeURIComponent(t.id)}`) : [''];
    const perTenant = await Promise.all(
      queries.map(async (query) => {
        const answer = await inv.client.call<Meetings>('GET', `/meetings${query}`);
        return answer.meetings.filter((m) => m.server === server.id).map((m) => ({ ...m, tenant: answer.tenant }));
      }),
    );
    const shown: Shown = { server, pendingUploads: uploads.count, meetings: perTenant.flat() };
    print(inv.out, shown, () => text(shown));
  },
};
