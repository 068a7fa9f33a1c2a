/**
 * Recordings a node has started to upload that are not fully in the index yet: claimed but never
 * indexed, or with a multipart file still open (a re-upload). Removing the node would strand them,
 * since only a registered node may upload (docs/node-lifecycle.md).
 */
import type { Sql } from './postgres.js';

export interface PendingUploads {
  count: number;
  /** The oldest ones first, at most the limit asked for. */
  recordIds: string[];
}

/** An upload `u` (of recording_uploads) that is still pending: the one rule, for drains, the dashboard and /metrics. */
export const PENDING = `(NOT EXISTS (SELECT 1 FROM recordings r WHERE r.record_id = u.record_id)
                  OR EXISTS (SELECT 1 FROM recording_multipart_uploads m WHERE m.record_id = u.record_id))`;

export async function pendingUploads(sql: Sql, serverId: string, limit: number): Promise<PendingUploads> {
  const rows = await sql.query(
    `SELECT u.record_id, count(*) OVER () AS total
       FROM recording_uploads u
      WHERE u.server_id = $1 AND ${PENDING}
      ORDER BY u.created_at, u.record_id
      LIMIT $2`,
    [serverId, limit],
  );
  return { count: Number(rows[0]?.total ?? 0), recordIds: rows.map((r) => r.record_id as string) };
}

/** Pending uploads of every node, with the oldest one's start (the dashboard's recording pipeline). */
export async function pendingUploadsByServer(sql: Sql): Promise<{ server: string; count: number; oldest: string }[]> {
  const rows = await sql.query(
    `SELECT u.server_id, count(*)::int AS count, to_json(min(u.created_at)) #>> '{}' AS oldest
       FROM recording_uploads u WHERE ${PENDING} GROUP BY u.server_id ORDER BY u.server_id`,
  );
  return rows.map((r) => ({ server: r.server_id as string, count: r.count as number, oldest: r.oldest as string }));
}

