import { PENDING_BY_KIND } from './callbacks.js';
import { PENDING } from './pending-uploads.js';
import type { Sql } from './postgres.js';

/**
 * What /metrics reads from Postgres at scrape time, in one statement: recordings a node has begun
 * and not finished uploading, and those it is still processing with the age of the oldest (per
 * server), bytes of recordings stored (per tenant name, from the
 * index's format sizes, which ingest writes and delete and retention take away), and callbacks
 * waiting (per kind, and the age of the oldest).
 */
export interface OutcomeStats {
  pendingUploads: Map<string, number>;
  processing: Map<string, number>;
  /** Seconds since the meeting of the oldest recording still processing ended. */
  oldestProcessingSeconds: Map<string, number>;
  recordingBytes: Map<string, number>;
  callbacksPending: Map<string, number>;
  oldestCallbackSeconds: number;
}

// Bytes of a recording: the sizes of its formats; a deleted one keeps its row but not its files.
const RECORDING_BYTES = `SELECT t.name AS key, coalesce(sum(f.size), 0)::float8 AS value
  FROM recordings r JOIN tenants t ON t.id = r.tenant_id JOIN playback_formats f ON f.recording_id = r.id
 WHERE r.state <> 'deleted'`;

export async function outcomeStats(sql: Sql): Promise<OutcomeStats> {
  const rows = (await sql.query(
    `WITH backlog AS (${PENDING_BY_KIND})
     SELECT 'pendingUploads' AS what, u.server_id AS key, count(*)::float8 AS value
       FROM recording_uploads u WHERE ${PENDING} GROUP BY u.server_id
     UNION ALL
     SELECT 'processing', server_id, count(*)::float8 FROM recording_processing GROUP BY server_id
     UNION ALL
     SELECT 'oldestProcessing', server_id, extract(epoch FROM now() - min(meeting_ended_at))::float8
       FROM recording_processing GROUP BY server_id
     UNION ALL
     SELECT 'recordingBytes', b.key, b.value FROM (${RECORDING_BYTES} GROUP BY t.name) b
     UNION ALL
     SELECT 'callbacksPending', kind, pending::float8 FROM backlog
     UNION ALL
     SELECT 'oldestCallback', '', coalesce(extract(epoch FROM now() - min(oldest)), 0)::float8 FROM backlog`,
  )) as { what: string; key: string; value: number }[];
  const pick = (what: string) => new Map(rows.filter((r) => r.what === what).map((r) => [r.key, Number(r.value)]));
  return {
    pendingUploads: pick('pendingUploads'),
    processing: pick('processing'),
    oldestProcessingSeconds: pick('oldestProcessing'),
    recordingBytes: pick('recordingBytes'),
    callbacksPending: pick('callbacksPending'),
    oldestCallbackSeconds: Number(rows.find((r) => r.what === 'oldestCallback')?.value ?? 0),
  };
}

/** A tenant's totals for its own endpoint: minutes of its ended meetings, and bytes of its recordings; one statement. */
export async function tenantTotals(sql: Sql, tenantId: string): Promise<{ meetingMinutes: number; recordingBytes: number }> {
  const rows = (await sql.query(
    `SELECT (SELECT coalesce(sum(extract(epoch FROM ended_at - created_at)), 0) / 60
               FROM meeting_history WHERE tenant_id = $1 AND ended_at IS NOT NULL)::float8 AS minutes,
            (SELECT b.value FROM (${RECORDING_BYTES} AND r.tenant_id = $1 GROUP BY t.name) b)::float8 AS bytes`,
    [tenantId],
  )) as { minutes: number; bytes: number | null }[];
  return { meetingMinutes: Number(rows[0]?.minutes ?? 0), recordingBytes: Number(rows[0]?.bytes ?? 0) };
}
