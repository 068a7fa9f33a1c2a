import type { Meeting } from './api-types.js';
import type { Command } from './command.js';
import { print, table } from './output.js';
import { MeetingId } from '../../src/ids.js';
import { apiPath, checkedArg, tenantOption, tenantQuery } from './resolve.js';

/** `scaleflare meetings …`: a tenant's running meetings (the default tenant without --tenant). */

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
      const meetingID = checkedArg(MeetingId, inv.args[0]!, 'meetingID');
      const answer = await inv.client.call('POST', `${apiPath('meetings', meetingID, 'end')}${await tenantQuery(inv)}`);
      print(inv.out, answer, () => `Ended meeting ${meetingID}\n`);
    },
  },
];
