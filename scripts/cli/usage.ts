import type { Usage, UsageDay } from './api-types.js';
import { str, type Command } from './command.js';
import { print, table } from './output.js';
import { tenantOption, tenantQuery } from './resolve.js';

/** `scaleflare usage`: usage per tenant per UTC day, as a table, CSV for a spreadsheet or billing, or JSON. */

const COLUMNS: [header: string, field: keyof UsageDay][] = [
  ['tenant', 'tenant'],
  ['day', 'day'],
  ['meetings_created', 'meetingsCreated'],
  ['meeting_minutes', 'meetingMinutes'],
  ['participant_minutes', 'participantMinutes'],
  ['peak_participants', 'peakParticipants'],
  ['recordings', 'recordings'],
  ['recording_bytes', 'recordingBytes'],
];

/** RFC 4180: a field with a comma, quote or line break is quoted (tenant ids never have one, but CSV readers vary). */
const csvField = (v: string | number) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

function usageCsv(days: UsageDay[]): string {
  const lines = [COLUMNS.map(([h]) => h), ...days.map((d) => COLUMNS.map(([, f]) => csvField(d[f])))];
  return lines.map((l) => `${l.join(',')}\r\n`).join('');
}

export const usageCommand: Command = {
  words: ['usage'],
  usage: '[--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>] [--tenant <tenant id|name>] [--csv]',
  summary: 'Usage per tenant per UTC day (default: the last 7 days): meetings, meeting- and participant-minutes, peak participants, recordings and bytes stored',
  options: { ...tenantOption, from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'boolean' } },
  args: [0, 0],
  run: async (inv) => {
    const answer = await inv.client.call<Usage>('GET', `/usage${await tenantQuery(inv, { from: str(inv.values, 'from'), to: str(inv.values, 'to') })}`);
    if (inv.values.csv && !inv.out.json) return inv.out.write(usageCsv(answer.days));
    print(inv.out, answer, () =>
      table(COLUMNS.map(([h]) => h.toUpperCase().replace(/_/g, ' ')), answer.days.map((d) => COLUMNS.map(([, f]) => d[f]))) +
        `\nMinutes and peaks from the poll's ${answer.sampleMinutes}-minute samples (exact to about ${answer.sampleMinutes} minutes); today's row is still growing.\n`,
    );
  },
};
