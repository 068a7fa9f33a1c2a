/**
 * Recordings a node is still processing (migrations/0014): reported by its post_archive and
 * post_process hooks, removed when `complete` indexes the recording. What drain waits for, what
 * getRecordings answers for state=processing|processed, what the processing metrics count.
 */
import type { Sql, Statement } from './postgres.js';

export type ProcessingState = 'processing' | 'processed';

export interface ProcessingReport {
  recordId: string;
  tenant: string;
  serverId: string;
  meetingId: string;
  name: string;
  state: ProcessingState;
  /** The formats BBB will publish for it. */
  formats: string[];
  /** With state processed: the format whose processing just finished. */
  processedFormat: string | null;
  metadata: Record<string, string>;
  startTime: Date | null;
  meetingEndedAt: Date;
}

export type ProcessingOutcome = 'recorded' | 'foreign' | 'indexed';

/**
 * Records what a node reports, in one statement. A report never moves a recording back from
 * processed to processing (hooks of several formats run in any order), never touches one already
 * indexed (a late hook after `complete`), and only the node that reported it first may report it.
 */
export async function reportProcessing(sql: Sql, r: ProcessingReport): Promise<ProcessingOutcome> {
  const rows = await sql.query(
    `WITH indexed AS (SELECT 1 FROM recordings WHERE record_id = $1),
     written AS (
       INSERT INTO recording_processing (record_id, tenant_id, server_id, meeting_id, name, state, formats, processed, metadata, start_time, meeting_ended_at)
       SELECT $1, $2, $3, $4, $5, $6, $7::text[], CASE WHEN $8::text IS NULL THEN '{}' ELSE ARRAY[$8::text] END, $9::jsonb, $10, $11
        WHERE NOT EXISTS (SELECT 1 FROM indexed)
       ON CONFLICT (record_id) DO UPDATE SET
         state = CASE WHEN recording_processing.state = 'processed' THEN 'processed' ELSE EXCLUDED.state END,
         formats = EXCLUDED.formats,
         processed = ARRAY(SELECT DISTINCT f FROM unnest(recording_processing.processed || EXCLUDED.processed) f ORDER BY f),
         updated_at = now()
        WHERE recording_processing.server_id = EXCLUDED.server_id
       RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM written) AS written, EXISTS (SELECT 1 FROM indexed) AS indexed`,
    [r.recordId, r.tenant, r.serverId, r.meetingId, r.name, r.state, r.formats, r.processedFormat, JSON.stringify(r.metadata), r.startTime, r.meetingEndedAt],
  );
  const row = rows[0]!;
  if (row.indexed) return 'indexed';
  return row.written ? 'recorded' : 'foreign';
}

/** The statement `complete` adds to its transaction: once indexed, a recording is no longer processing. */
export function forgetProcessing(recordId: string): Statement {
  return { text: 'DELETE FROM recording_processing WHERE record_id = $1', params: [recordId] };
}

export interface ProcessingOnServer {
  count: number;
  /** The oldest ones first (by meeting end), at most the limit asked for. */
  recordIds: string[];
}

/**
 * Forgets a recording the node reported and will never publish (its processing failed, or it was
 * deleted there): nothing else would, and it would hold a drain and the stuck-processing alert.
 */
export async function forgetStuckProcessing(sql: Sql, serverId: string, recordId: string): Promise<boolean> {
  const rows = await sql.query('DELETE FROM recording_processing WHERE server_id = $1 AND record_id = $2 RETURNING 1', [serverId, recordId]);
  return rows.length > 0;
}

/** Recordings the server is still processing: drain waits for them before the node may go. */
export async function processingByServer(sql: Sql, serverId: string, limit: number): Promise<ProcessingOnServer> {
  const rows = await sql.query(
    `SELECT record_id, count(*) OVER () AS total FROM recording_processing
      WHERE server_id = $1 ORDER BY meeting_ended_at, record_id LIMIT $2`,
    [serverId, limit],
  );
  return { count: Number(rows[0]?.total ?? 0), recordIds: rows.map((r) => r.record_id as string) };
}
