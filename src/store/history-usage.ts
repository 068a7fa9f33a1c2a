import type { Sql } from './postgres.js';

/** Usage of one tenant on one UTC day (docs/admin-api.md#usage-per-tenant). */
export interface UsageDay {
  tenant: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** Meetings created through the balancer that day (meeting history). */
  meetingsCreated: number;
  /** From the poll's 5-minute samples: each sample adds 5 minutes per meeting and per participant it saw. */
  meetingMinutes: number;
  participantMinutes: number;
  /** The most participants one sample saw at once. */
  peakParticipants: number;
  /** Recordings in the index, and the bytes of their playback formats, at the end of the day. */
  recordings: number;
  recordingBytes: number;
}

/**
 * Every tenant (or one) on every day from `from` to `to` (inclusive), days without usage as zeros,
 * in one statement: recordings are counted from their indexing and deletion times, so the stored
 * total of a past day is what it was then.
 */
export async function usageByDay(sql: Sql, q: { from: string; to: string; tenant?: string }): Promise<UsageDay[]> {
  const rows = await sql.query(
    `WITH grid AS (
       SELECT t.id AS tenant_id, d::date AS day
         FROM tenants t, generate_series($1::date, $2::date, interval '1 day') d
        WHERE $3::text IS NULL OR t.id = $3
     ), created AS (
       SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
         FROM meeting_history
        WHERE created_at >= ($1::date::timestamp AT TIME ZONE 'UTC') AND created_at < (($2::date + 1)::timestamp AT TIME ZONE 'UTC')
          AND ($3::text IS NULL OR tenant_id = $3)
        GROUP BY 1, 2
     ), sized AS (
       SELECT r.tenant_id, r.created_at, r.deleted_at,
              (SELECT COALESCE(sum(f.size), 0) FROM playback_formats f WHERE f.recording_id = r.id) AS bytes
         FROM recordings r WHERE $3::text IS NULL OR r.tenant_id = $3
     ), changes AS (
       SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS n, bytes FROM sized
       UNION ALL
       SELECT tenant_id, (deleted_at AT TIME ZONE 'UTC')::date, -1, -bytes FROM sized WHERE deleted_at IS NOT NULL
     ), stored AS (
       -- Changes before the first day fold into it, so the running sum starts from what was stored then.
       SELECT tenant_id, GREATEST(day, $1::date) AS day, sum(n) AS n, sum(bytes) AS bytes
         FROM changes WHERE day <= $2::date GROUP BY 1, 2
     )
     SELECT g.tenant_id, g.day::text AS day, COALESCE(c.n, 0) AS meetings_created,
            COALESCE(u.meeting_minutes, 0) AS meeting_minutes, COALESCE(u.participant_minutes, 0) AS participant_minutes,
            COALESCE(u.peak_participants, 0) AS peak_participants,
            sum(COALESCE(s.n, 0)) OVER w AS recordings, sum(COALESCE(s.bytes, 0)) OVER w AS recording_bytes
       FROM grid g
       LEFT JOIN created c USING (tenant_id, day)
       LEFT JOIN tenant_usage_days u USING (tenant_id, day)
       LEFT JOIN stored s USING (tenant_id, day)
     WINDOW w AS (PARTITION BY g.tenant_id ORDER BY g.day)
      ORDER BY g.tenant_id, g.day`,
    [q.from, q.to, q.tenant ?? null],
  );
  return rows.map((r) => ({
    tenant: r.tenant_id as string,
    day: r.day as string,
    meetingsCreated: Number(r.meetings_created),
    meetingMinutes: Number(r.meeting_minutes),
    participantMinutes: Number(r.participant_minutes),
    peakParticipants: Number(r.peak_participants),
    recordings: Number(r.recordings),
    recordingBytes: Number(r.recording_bytes),
  }));
}
