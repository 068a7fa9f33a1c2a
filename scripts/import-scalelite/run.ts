import type { Sql } from '../../src/store/postgres.js';
import type { ExportedRecording } from './db-tables.js';
import { importRecording, type ObjectSink, type RecordingOutcome, type SourceRecording } from './importer.js';

export interface RunSummary {
  imported: number;
  wouldImport: number;
  skipped: number;
  failed: number;
  uploaded: number;
  present: number;
  bytes: number;
}

/**
 * Every recording of the tree and the export, in record id order (a re-run resumes where a
 * crash stopped, skipping what is already stored); one outcome per recording to `report`.
 */
export async function runImport(
  o: { sql: Sql; sink: ObjectSink; tenant: string; dryRun: boolean; protectByDefault: boolean; only?: Set<string> },
  tree: Map<string, SourceRecording>,
  exported: Map<string, ExportedRecording>,
  report: (outcome: RecordingOutcome) => void,
): Promise<RunSummary> {
  const summary: RunSummary = { imported: 0, wouldImport: 0, skipped: 0, failed: 0, uploaded: 0, present: 0, bytes: 0 };
  const ids = [...new Set([...tree.keys(), ...exported.keys()])].filter((id) => !o.only || o.only.has(id)).sort();
  for (const id of ids) {
    const outcome = await importRecording(o, tree.get(id), exported.get(id));
    report(outcome);
    const key = ({ imported: 'imported', 'would import': 'wouldImport', skipped: 'skipped', failed: 'failed' } as const)[outcome.outcome];
    summary[key]++;
    summary.uploaded += outcome.uploaded;
    summary.present += outcome.present;
    summary.bytes += outcome.bytes;
  }
  return summary;
}
