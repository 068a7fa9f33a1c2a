import type { Meeting } from './api-types.js';
import { str, type Command, type Invocation } from './command.js';
import { print, table } from './output.js';
import { apiPath, findTenant } from './resolve.js';

/** `scaleflare meetings …`: a tenant's running meetings (the default tenant without --tenant). */

const tenantOption = { tenant: { type: 'string' } } as const;
/** `?tenant=<id>` for `--tenant <id|name>` (one more call to find it); the default tenant without. */
async function tenantQuery(inv: Invocation): Promise<string> {
  const ref = str(inv.values, 'tenant');
  return ref ? `?tenant=${encodeURIComponent((await findTenant(inv.client, ref)).id)}` : '';
}

export const meetingCommands: Command[] = [
  {
    words: ['meetings', 'list'],
    usage: '[--tenant <tenant id|name>]',
    summary: "Running meetings as the tenant's getMeetings shows them (last poll, no node called)",
    options: tenantOption,
    args: [0, 0],
    run: async (inv) => {
      const answer = await inv.client.call<{ tenant: string; meetings: Meeting[] }>('GET', `/meetings${await tenantQuery(inv)}`);
      print(inv.out, answer, () =>
        answer.meetings.length === 0
          ? `No running meetings (tenant ${answer.tenant})\n`
          : table(
              ['MEETING ID', 'NAME', 'PARTICIPANTS', 'MODERATORS', 'VIDEOS', 'RUNNING', 'CREATED'],
              answer.meetings.map((m) => [
                m.meetingID,
                m.meetingName,
                m.participantCount,
                m.moderatorCount,
                m.videoCount,
                m.running,
                m.createTime ? new Date(m.createTime).toISOString() : null,
              ]),
            ),
      );
    },
  },
  {
    words: ['meetings', 'end'],
    usage: '<meetingID> [--tenant <tenant id|name>]',
    summary: 'End a meeting: its route is dropped, then its server is asked to end it',
    options: tenantOption,
    args: [1, 1],
    run: async (inv) => {
      const meetingID = inv.args[0]!;
      const answer = await inv.client.call('POST', `${apiPath('meetings', meetingID, 'end')}${await tenantQuery(inv)}`);
      print(inv.out, answer, () => `Ended meeting ${meetingID}\n`);
    },
  },
];
