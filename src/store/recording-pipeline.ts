import { PENDING_BY_KIND } from './callbacks.js';
import type { Sql } from './postgres.js';

/** What the dashboard shows of the recording pipeline besides pending uploads: recent imports and the callback backlog. */

export interface RecentRecording {
  tenant: string;
  recordID: string;
  meetingID: string;
  server: string | null;
  state: string;
  indexedAt: string;
}

export interface CallbackBacklog {
  kind: string;
  pending: number;
  /** Pending ones whose last attempt failed. */
  failing: number;
  oldest: string;
}

/** The last recordings indexed (newest first, by the index's own sequence) and the pending callbacks by kind: one round trip. */
export async function recordingPipeline(sql: Sql, limit: number): Promise<{ recent: RecentRecording[]; callbacks: CallbackBacklog[] }> {
  const [recent, callbacks] = await sql.transaction([
    sql.query(
      `SELECT tenant_id, record_id, meeting_id, server_id, state, to_json(created_at) #>> '{}' AS indexed_at
         FROM recordings ORDER BY id DESC LIMIT $1`,
      [limit],
    ),
    sql.query(
      `SELECT kind, pending::int AS pending, failing::int AS failing, to_json(oldest) #>> '{}' AS oldest
         FROM (${PENDING_BY_KIND}) backlog ORDER BY kind`,
    ),
  ]);
  return {
    recent: recent!.map((r) => ({
      tenant: r.tenant_id as string,
      recordID: r.record_id as string,
      meetingID: r.meeting_id as string,
      server: r.server_id as string | null,
      state: r.state as string,
      indexedAt: r.indexed_at as string,
    })),
    callbacks: callbacks!.map((r) => ({ kind: r.kind as string, pending: r.pending as number, failing: r.failing as number, oldest: r.oldest as string })),
  };
}
