import type { AdminClient } from './client.js';
import { positive, type Command } from './command.js';
import { print, table } from './output.js';

/** `scaleflare recordings reindex`: rebuilds the recording index from R2, one admin API page after another. */

/** One answer of POST /recordings/reindex (docs/admin-api.md). */
interface ReindexPage {
  scanned: number;
  restored: string[];
  alreadyIndexed: number;
  missingObjects: string[];
  skipped: { recordID: string; reason: string }[];
  cursor: string | null;
}

export type ReindexSummary = Omit<ReindexPage, 'cursor'> & { dryRun: boolean; calls: number };

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
    const page: ReindexPage = await client.call('POST', '/recordings/reindex', { dryRun: o.dryRun, ...(o.limit ? { limit: o.limit } : {}), ...(cursor ? { cursor } : {}) });
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
