/**
 * Reindex's reads of the index (src/recordings/reindex.ts): the index walked by record id in the
 * byte order R2 lists keys in, and which record ids have a multipart upload still open.
 */
import type { Sql } from './postgres.js';
import type { RecordingState } from './recordings.js';

export interface IndexEntry {
  recordID: string;
  tenant: string;
  state: RecordingState;
  published: boolean;
  formats: string[];
}

/** At most `limit` index entries after `after` (every tenant), in R2's key order. */
export async function indexPage(sql: Sql, after: string | null, limit: number): Promise<IndexEntry[]> {
  return (await sql.query(
    `SELECT r.record_id AS "recordID", r.tenant_id AS tenant, r.state, r.published,
            coalesce((SELECT array_agg(f.format ORDER BY f.format) FROM playback_formats f WHERE f.recording_id = r.id), '{}') AS formats
     FROM recordings r
     WHERE r.record_id COLLATE "C" > $1
     ORDER BY r.record_id COLLATE "C"
     LIMIT $2`,
    // The empty string sorts before every record id.
    [after ?? '', limit],
  )) as IndexEntry[];
}

/** The record ids among these with a multipart file still being uploaded. */
export async function openUploads(sql: Sql, recordIDs: readonly string[]): Promise<Set<string>> {
  if (recordIDs.length === 0) return new Set();
  const rows = await sql.query('SELECT DISTINCT record_id FROM recording_multipart_uploads WHERE record_id = ANY($1::text[])', [recordIDs]);
  return new Set(rows.map((r) => r.record_id as string));
}
