import type { Meeting, MeetingDetails, Meetings, Server } from './api-types.js';
import type { Command } from './command.js';
import { print, table } from './output.js';
import { MeetingId } from '../../src/ids.js';
import { apiPath, checkedArg, listServers, tenantOption, tenantQuery } from './resolve.js';
import { hostname } from './status.js';

/** `scaleflare meetings …`: a tenant's running meetings (the default tenant without --tenant). */

/** Running meetings with the host of the server each runs on (its id when the server is gone), and their tenants when given. */
export function meetingTable(meetings: (Meeting & { tenant?: string })[], servers: Server[]): string {
  const host = new Map(servers.map((s) => [s.id, hostname(s.url)]));
  const tenants = meetings.some((m) => m.tenant !== undefined);
  return table(
    [...(tenants ? ['TENANT'] : []), 'MEETING ID', 'NAME', 'SERVER', 'PARTICIPANTS', 'MODERATORS', 'VIDEOS', 'RUNNING', 'CREATED'],
    meetings.map((m) => [
      ...(tenants ? [m.tenant] : []),
      m.meetingID,
      m.meetingName,
      m.server && (host.get(m.server) ?? m.server),
      m.participantCount,
      m.moderatorCount,
      m.videoCount,
      m.running,
      m.createTime ? new Date(m.createTime).toISOString() : null,
    ]),
  );
}

/** What rake meetings:info prints: name, ids, creation, recording, people, server, and the meeting's bbb-* metadata. */
function infoText(info: Record<string, unknown>, server: string): string {
  const meta = info.metadata && typeof info.metadata === 'object' ? (info.metadata as Record<string, unknown>) : {};
  const lines: [string, unknown][] = [
    ['name', info.meetingName],
    ['internal id', info.internalMeetingID],
    ['created', info.createDate],
    ['recording', info.recording],
    ['participants', info.participantCount],
    ['moderators', info.moderatorCount],
    ['server', server],
    ...Object.entries(meta).filter(([k]) => k.startsWith('bbb-')),
  ];
  return lines.map(([k, v]) => `${k}: ${v === undefined || v === '' ? '-' : String(v)}`).join('\n') + '\n';
}

export const meetingCommands: Command[] = [
  {
    words: ['meetings', 'list'],
    usage: '[--tenant <tenant id|name>]',
    summary: "Running meetings as the tenant's getMeetings shows them, with the server each runs on (last poll, no node called)",
    options: tenantOption,
    args: [0, 0],
    run: async (inv) => {
      const answer = await inv.client.call<Meetings>('GET', `/meetings${await tenantQuery(inv)}`);
      // Hosts for people; --json keeps the answer's server ids and its one call.
      const servers = answer.meetings.length && !inv.out.json ? await listServers(inv.client) : [];
      print(inv.out, answer, () =>
        answer.meetings.length === 0 ? `No running meetings (tenant ${answer.tenant})\n` : meetingTable(answer.meetings, servers),
      );
    },
  },
  {
    words: ['meetings', 'info'],
    usage: '<meetingID> [--tenant <tenant id|name>]',
    summary: "A running meeting as its node's getMeetingInfo answers, and the server it runs on (Scalelite's rake meetings:info)",
    options: tenantOption,
    args: [1, 1],
    run: async (inv) => {
      const meetingID = checkedArg(MeetingId, inv.args[0]!, 'meetingID');
      const query = await tenantQuery(inv);
      const [answer, { meetings }, servers] = await Promise.all([
        inv.client.call<MeetingDetails>('GET', `${apiPath('meetings', meetingID)}${query}`),
        inv.client.call<Meetings>('GET', `/meetings${query}`),
        listServers(inv.client),
      ]);
      const id = meetings.find((m) => m.meetingID === meetingID)?.server;
      const server = servers.find((s) => s.id === id);
      print(inv.out, { ...answer, server: id ?? null }, () => infoText(answer.info, server ? hostname(server.url) : (id ?? 'unknown')));
    },
  },
  {
    words: ['meetings', 'end'],
    usage: '<meetingID> [--tenant <tenant id|name>]',
    summary: 'End a meeting: its route is dropped, then its server is asked to end it',
    options: tenantOption,
    args: [1, 1],
    run: async (inv) => {
      const meetingID = checkedArg(MeetingId, inv.args[0]!, 'meetingID');
      const answer = await inv.client.call('POST', `${apiPath('meetings', meetingID, 'end')}${await tenantQuery(inv)}`);
      print(inv.out, answer, () => `Ended meeting ${meetingID}\n`);
    },
  },
];
