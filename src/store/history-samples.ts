import type { Sql } from './postgres.js';

/**
 * The compact history the poll keeps (migration 0013, docs/observability.md#history): per server
 * and per pool, one row each per sample, and per tenant a running total for the UTC day.
 */

/** One sample every this long; each one stands for the minutes it opens. */
export const SAMPLE_MINUTES = 5;
/** Server and pool samples older than this are purged by the write of a newer one. */
export const HISTORY_RETENTION_DAYS = 7;

export interface ServerSample {
  serverId: string;
  answered: boolean;
  meetings: number;
  participants: number;
  videoStreams: number;
  load: number | null;
  pollFailures: number;
}

export interface PoolSample {
  pollMs: number;
  servers: number;
  serversFailed: number;
  /** Running totals; null when unknown. */
  pollFailuresTotal: number | null;
  apiErrorsTotal: number | null;
  joinFailuresTotal: number | null;
  importsTotal: number | null;
  importDelaySecondsTotal: number | null;
}

export interface TenantSample {
  tenantId: string;
  meetings: number;
  participants: number;
}

export interface Sample {
  at: Date;
  pool: PoolSample;
  servers: ServerSample[];
  tenants: TenantSample[];
}

/**
 * One statement for the whole sample: the pool row goes in first, and the server rows and tenant
 * totals only with it, so a second write of the same sample time changes nothing. The same
 * statement purges what aged out.
 */
export async function writeSample(sql: Sql, s: Sample): Promise<void> {
  await sql.query(
    `WITH pool AS (
       INSERT INTO pool_samples (sampled_at, poll_ms, servers, servers_failed, poll_failures_total, api_errors_total,
                                 join_failures_total, imports_total, import_delay_seconds_total)
       SELECT $1, p."pollMs", p.servers, p."serversFailed", p."pollFailuresTotal", p."apiErrorsTotal",
              p."joinFailuresTotal", p."importsTotal", p."importDelaySecondsTotal"
         FROM jsonb_to_record($2::jsonb) AS p("pollMs" int, servers int, "serversFailed" int, "pollFailuresTotal" bigint,
              "apiErrorsTotal" bigint, "joinFailuresTotal" bigint, "importsTotal" bigint, "importDelaySecondsTotal" float8)
       ON CONFLICT DO NOTHING RETURNING sampled_at
     ), servers AS (
       INSERT INTO server_samples (sampled_at, server_id, answered, meetings, participants, video_streams, load, poll_failures)
       SELECT pool.sampled_at, s."serverId", s.answered, s.meetings, s.participants, s."videoStreams", s.load, s."pollFailures"
         FROM pool, jsonb_to_recordset($3::jsonb) AS s("serverId" text, answered boolean, meetings int, participants int,
              "videoStreams" int, load real, "pollFailures" int)
     ), tenants AS (
       INSERT INTO tenant_usage_days AS u (tenant_id, day, meeting_minutes, participant_minutes, peak_participants)
       SELECT t."tenantId", (pool.sampled_at AT TIME ZONE 'UTC')::date, t.meetings * $4::int, t.participants * $4::int, t.participants
         FROM pool, jsonb_to_recordset($5::jsonb) AS t("tenantId" text, meetings int, participants int)
        WHERE EXISTS (SELECT 1 FROM tenants WHERE id = t."tenantId")
       ON CONFLICT (tenant_id, day) DO UPDATE SET
         meeting_minutes = u.meeting_minutes + EXCLUDED.meeting_minutes,
         participant_minutes = u.participant_minutes + EXCLUDED.participant_minutes,
         peak_participants = GREATEST(u.peak_participants, EXCLUDED.peak_participants)
     ), old_servers AS (
       DELETE FROM server_samples WHERE sampled_at < $1::timestamptz - make_interval(days => $6::int)
     )
     DELETE FROM pool_samples WHERE sampled_at < $1::timestamptz - make_interval(days => $6::int)`,
    [s.at.toISOString(), JSON.stringify(s.pool), JSON.stringify(s.servers), SAMPLE_MINUTES, JSON.stringify(s.tenants), HISTORY_RETENTION_DAYS],
  );
}

export interface PoolPoint extends PoolSample {
  at: string;
  /** Summed over the servers sampled (null when none was). */
  meetings: number | null;
  participants: number | null;
  videoStreams: number | null;
  /** The highest load of a server that answered. */
  maxLoad: number | null;
}

export interface ServerPoint extends Omit<ServerSample, 'serverId'> {
  at: string;
}

const nullable = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The pool's samples since a time, oldest first, with the servers' totals of each. */
export async function readPoolHistory(sql: Sql, since: Date): Promise<PoolPoint[]> {
  const rows = await sql.query(
    `SELECT to_json(p.sampled_at) #>> '{}' AS at, p.poll_ms, p.servers, p.servers_failed, p.poll_failures_total, p.api_errors_total,
            p.join_failures_total, p.imports_total, p.import_delay_seconds_total,
            s.meetings, s.participants, s.video_streams, s.max_load
       FROM pool_samples p
       LEFT JOIN (SELECT sampled_at, sum(meetings) AS meetings, sum(participants) AS participants,
                         sum(video_streams) AS video_streams, max(load) AS max_load
                    FROM server_samples WHERE sampled_at >= $1 GROUP BY sampled_at) s USING (sampled_at)
      WHERE p.sampled_at >= $1 ORDER BY p.sampled_at`,
    [since.toISOString()],
  );
  return rows.map((r) => ({
    at: r.at as string,
    pollMs: r.poll_ms as number,
    servers: r.servers as number,
    serversFailed: r.servers_failed as number,
    pollFailuresTotal: nullable(r.poll_failures_total),
    apiErrorsTotal: nullable(r.api_errors_total),
    joinFailuresTotal: nullable(r.join_failures_total),
    importsTotal: nullable(r.imports_total),
    importDelaySecondsTotal: nullable(r.import_delay_seconds_total),
    meetings: nullable(r.meetings),
    participants: nullable(r.participants),
    videoStreams: nullable(r.video_streams),
    maxLoad: nullable(r.max_load),
  }));
}

/** One server's samples since a time, oldest first. */
export async function readServerHistory(sql: Sql, serverId: string, since: Date): Promise<ServerPoint[]> {
  const rows = await sql.query(
    `SELECT to_json(sampled_at) #>> '{}' AS at, answered, meetings, participants, video_streams, load, poll_failures
       FROM server_samples WHERE sampled_at >= $1 AND server_id = $2 ORDER BY sampled_at`,
    [since.toISOString(), serverId],
  );
  return rows.map((r) => ({
    at: r.at as string,
    answered: r.answered as boolean,
    meetings: r.meetings as number,
    participants: r.participants as number,
    videoStreams: r.video_streams as number,
    load: nullable(r.load),
    pollFailures: r.poll_failures as number,
  }));
}
