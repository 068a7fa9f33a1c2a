import type { RecordingPage, ReindexReport } from './api-types.js';
import type { AdminClient } from './client.js';
import { positive, str, type Command } from './command.js';
import { MeetingId, RecordId } from '../../src/ids.js';
import { print, table } from './output.js';
import { apiPath, checkedArg, tenantOption, tenantQuery } from './resolve.js';

/**
 * `scaleflare recordings …`: a tenant's recordings as the index has them (the default tenant
 * without --tenant), publish, unpublish and delete through the BBB API's own path, and reindex,
 * which rebuilds the index from R2 one admin API page after another.
 */

function recordingTable(page: RecordingPage): string {
  if (page.recordings.length === 0) return `No recordings (${page.total} in all)\n`;
  const rows = table(
    ['RECORD ID', 'MEETING ID', 'NAME', 'STATE', 'PROTECTED', 'FORMATS', 'STARTED', 'SIZE'],
    page.recordings.map((r) => [
      r.recordID,
      r.meetingID,
      r.name,
      r.state,
      r.protected,
      r.formats.map((f) => f.format).join(','),
      r.startTime ? new Date(r.startTime).toISOString() : null,
      r.size,
    ]),
  );
  const last = page.offset + page.recordings.length;
  return `${rows}${page.offset + 1}-${last} of ${page.total}${last < page.total ? ` (next: --offset ${last})` : ''}\n`;
}

/** publish, unpublish, delete: one recording, through the admin API's BBB-path routes. */
const recordingAction = (verb: 'publish' | 'unpublish' | 'delete', summary: string, done: string): Command => ({
  words: ['recordings', verb],
  usage: '<recordID> [--tenant <tenant id|name>]',
  summary,
  options: tenantOption,
  args: [1, 1],
  run: async (inv) => {
    const recordID = checkedArg(RecordId, inv.args[0]!, 'recordID');
    const path = verb === 'delete' ? apiPath('recordings', recordID) : apiPath('recordings', recordID, verb);
    const answer = await inv.client.call(verb === 'delete' ? 'DELETE' : 'POST', `${path}${await tenantQuery(inv)}`);
    print(inv.out, answer, () => `${done} ${recordID}\n`);
  },
});

export type ReindexSummary = Omit<ReindexReport, 'cursor'> & { dryRun: boolean; calls: number };

function summary(s: ReindexSummary): string {
  const lines = [
    `${s.dryRun ? 'Dry run, nothing written: ' : ''}${s.scanned} recording(s) examined in ${s.calls} call(s)`,
    table(
      ['RESULT', 'COUNT'],
      [
        [s.dryRun ? 'would be restored' : 'restored', s.restored.length],
        ['already indexed', s.alreadyIndexed],
        ['files missing in R2 (kept in the index)', s.missingObjects.length],
        ['skipped', s.skipped.length],
      ],
    ).trimEnd(),
    ...s.restored.map((id) => `${s.dryRun ? 'would restore' : 'restored'}  ${id}`),
    ...s.missingObjects.map((id) => `files missing  ${id}`),
    ...s.skipped.map((k) => `skipped  ${k.recordID}: ${k.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Every page of the reindex, cursor after cursor, summed up (also the recovery drill's step). */
export async function reindexAll(client: AdminClient, o: { dryRun: boolean; limit?: number }): Promise<ReindexSummary> {
  const s: ReindexSummary = { dryRun: o.dryRun, calls: 0, scanned: 0, restored: [], alreadyIndexed: 0, missingObjects: [], skipped: [] };
  let cursor: string | null = null;
  do {
    const page: ReindexReport = await client.call('POST', '/recordings/reindex', { dryRun: o.dryRun, ...(o.limit ? { limit: o.limit } : {}), ...(cursor ? { cursor } : {}) });
    s.calls++;
    s.scanned += page.scanned;
    s.alreadyIndexed += page.alreadyIndexed;
    s.restored.push(...page.restored);
    s.missingObjects.push(...page.missingObjects);
    s.skipped.push(...page.skipped);
    cursor = page.cursor;
  } while (cursor);
  return s;
}

export const recordingCommands: Command[] = [
  {
    words: ['recordings', 'list'],
    usage: '[--tenant <tenant id|name>] [--meeting <meetingID>] [--record <recordID prefix>] [--state <state>] [--offset <n>] [--limit <n>]',
    summary: "A tenant's recordings from the index, newest first, a page at a time (25 unless --limit)",
    options: { ...tenantOption, meeting: { type: 'string' }, record: { type: 'string' }, state: { type: 'string' }, offset: { type: 'string' }, limit: { type: 'string' } },
    args: [0, 0],
    run: async (inv) => {
      const meeting = str(inv.values, 'meeting');
      const record = str(inv.values, 'record');
      // State, offset and limit are checked by the balancer, which names the allowed values.
      const query = await tenantQuery(inv, {
        meetingID: meeting === undefined ? undefined : checkedArg(MeetingId, meeting, 'meetingID'),
        recordID: record === undefined ? undefined : checkedArg(RecordId, record, 'recordID'),
        state: str(inv.values, 'state'),
        offset: str(inv.values, 'offset'),
        limit: str(inv.values, 'limit'),
      });
      const page = await inv.client.call<RecordingPage>('GET', `/recordings${query}`);
      print(inv.out, page, () => recordingTable(page));
    },
  },
  recordingAction('publish', 'Publish a recording: its files move to the published prefix, then the index follows', 'Published'),
  recordingAction('unpublish', 'Unpublish a recording: its files move to the unpublished prefix, then the index follows', 'Unpublished'),
  recordingAction('delete', 'Delete every file of a recording and mark it deleted (cannot be undone)', 'Deleted'),
  {
    words: ['recordings', 'reindex'],
    usage: '[--dry-run] [--limit <recordings per call>]',
    summary: 'After a Postgres restore: index the finished uploads R2 has and the index lacks (no callbacks), list rows whose files are gone',
    options: { 'dry-run': { type: 'boolean' }, limit: { type: 'string' } },
    args: [0, 0],
    run: async (inv) => {
      const limit = positive(inv.values, 'limit');
      const s = await reindexAll(inv.client, { dryRun: inv.values['dry-run'] === true, ...(limit ? { limit } : {}) });
      print(inv.out, s, () => summary(s));
    },
  },
];
