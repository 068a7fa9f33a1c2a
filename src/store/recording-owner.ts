/**
 * Which node owns a recording: the one that uploaded it, the only one allowed to upload it again
 * (src/store/recording-index.ts). Playback and the API never look at it, so a node rebuilt under a
 * new id takes over its predecessor's recordings by moving the ownership (docs/node-lifecycle.md).
 */
import type { Sql } from './postgres.js';

export interface Transferred {
  recordings: number;
  uploads: number;
  processing: number;
}

/** Moves every recording, upload and recording still processing of `from` to `to`, in one statement. */
export async function transferRecordings(sql: Sql, from: string, to: string): Promise<Transferred> {
  const rows = await sql.query(
    `WITH r AS (UPDATE recordings SET server_id = $2 WHERE server_id = $1 RETURNING 1),
          u AS (UPDATE recording_uploads SET server_id = $2, updated_at = now() WHERE server_id = $1 RETURNING 1),
          p AS (UPDATE recording_processing SET server_id = $2, updated_at = now() WHERE server_id = $1 RETURNING 1)
     SELECT (SELECT count(*) FROM r)::int AS recordings, (SELECT count(*) FROM u)::int AS uploads, (SELECT count(*) FROM p)::int AS processing`,
    [from, to],
  );
  const row = rows[0]!;
  return { recordings: row.recordings as number, uploads: row.uploads as number, processing: row.processing as number };
}
