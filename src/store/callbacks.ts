import type { CallbackSettings } from '../config.js';
import type { Sql, Statement } from './postgres.js';

export type DeliveryKind = 'recording_ready' | 'meeting_ended' | 'analytics';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** Callback URLs captured at create; undefined leaves what an earlier create stored (as Scalelite merges). */
/**
 * Pending deliveries by kind: how many, how many whose last attempt failed, and the oldest; the one
 * backlog the dashboard and /metrics read.
 */
export const PENDING_BY_KIND = `SELECT kind, count(*) AS pending,
         count(*) FILTER (WHERE last_error IS NOT NULL OR last_status IS NOT NULL) AS failing, min(created_at) AS oldest
    FROM callback_deliveries WHERE status = 'pending' GROUP BY kind`;

export async function rememberMeetingCallbacks(
  sql: Sql,
  m: {
    tenant: string;
    meetingID: string;
    recordingReadyUrl?: string | undefined;
    endCallbackUrl?: string | undefined;
    analyticsCallbackUrl?: string | undefined;
  },
): Promise<void> {
  await sql.query(
    `INSERT INTO meeting_callbacks (tenant_id, meeting_id, recording_ready_url, end_callback_url, analytics_callback_url)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, meeting_id) DO UPDATE SET
       recording_ready_url = COALESCE(EXCLUDED.recording_ready_url, meeting_callbacks.recording_ready_url),
       end_callback_url = COALESCE(EXCLUDED.end_callback_url, meeting_callbacks.end_callback_url),
       analytics_callback_url = COALESCE(EXCLUDED.analytics_callback_url, meeting_callbacks.analytics_callback_url),
       updated_at = now()`,
    [m.tenant, m.meetingID, m.recordingReadyUrl ?? null, m.endCallbackUrl ?? null, m.analyticsCallbackUrl ?? null],
  );
}

/**
 * The statement that schedules the recording-ready callback of an imported recording, for the
 * import's own transaction: nothing when the meeting's create carried no recording-ready URL,
 * and once per recording however often its upload completes (only the first returns its id, as
 * `delivery_id`, for the caller to attempt once committed).
 */
export function enqueueRecordingReady(
  cfg: CallbackSettings,
  r: { tenant: string; meetingID: string; recordID: string },
): Statement {
  return {
    text: `INSERT INTO callback_deliveries (tenant_id, kind, dedupe_key, meeting_id, record_id, url, payload, expires_at)
           SELECT tenant_id, 'recording_ready', $3, meeting_id, $3, recording_ready_url,
                  jsonb_build_object('meeting_id', meeting_id, 'record_id', $3::text), now() + make_interval(secs => $4)
           FROM meeting_callbacks
           WHERE tenant_id = $1 AND meeting_id = $2 AND recording_ready_url IS NOT NULL
           ON CONFLICT (tenant_id, kind, dedupe_key) DO NOTHING
           RETURNING id::text AS delivery_id`,
    params: [r.tenant, r.meetingID, r.recordID, cfg.expirySeconds],
  };
}

/**
 * Schedules the relay of a node's end callback to the frontend's URL, with the node's parameters
 * appended as BBB does. `instance` tells meetings that reuse one meetingID apart. Returns the
 * delivery's id, or null when the meeting has no end callback URL or this one is already queued.
 */
export async function enqueueMeetingEnded(
  sql: Sql,
  cfg: CallbackSettings,
  m: { tenant: string; meetingID: string; instance: string; query: string; params: Record<string, string> },
): Promise<string | null> {
  const rows = await sql.query(
    `INSERT INTO callback_deliveries (tenant_id, kind, dedupe_key, meeting_id, url, payload, expires_at)
     SELECT tenant_id, 'meeting_ended', $3, meeting_id,
            end_callback_url || CASE WHEN $4 = '' THEN '' WHEN strpos(end_callback_url, '?') > 0 THEN '&' ELSE '?' END || $4,
            $5::jsonb, now() + make_interval(secs => $6)
     FROM meeting_callbacks
     WHERE tenant_id = $1 AND meeting_id = $2 AND end_callback_url IS NOT NULL
     ON CONFLICT (tenant_id, kind, dedupe_key) DO NOTHING
     RETURNING id::text`,
    [m.tenant, m.meetingID, `${m.meetingID}@${m.instance}`, m.query, JSON.stringify(m.params), cfg.expirySeconds],
  );
  return (rows[0]?.id as string | undefined) ?? null;
}

/** A delivery claimed for one attempt. */
export interface DueDelivery {
  id: string;
  tenant: string;
  kind: DeliveryKind;
  url: string;
  payload: Record<string, string>;
  /** Including the one being made. */
  attempts: number;
}

/**
 * Claims up to `limit` due deliveries for one attempt each, and gives up on expired ones (returned
 * too, for their event), in one statement. A claim is a lease: a run that dies mid-attempt leaves the row due again after
 * `leaseSeconds`. `only` restricts the claim to given ids (an immediate attempt after enqueueing).
 * Claims running at once (the cron and an immediate attempt) never share a row: locked rows are
 * skipped, and a claimed row is not due until its lease ends.
 */
export async function claimDueDeliveries(
  sql: Sql,
  o: { limit: number; leaseSeconds: number; only?: string[] },
): Promise<{ due: DueDelivery[]; expired: DueDelivery[] }> {
  const rows = await sql.query(
    `WITH expired AS (
       UPDATE callback_deliveries SET status = 'failed', last_error = concat_ws('; ', last_error, 'expired')
       WHERE status = 'pending' AND expires_at <= now()
       RETURNING id, tenant_id, kind, url, payload, attempts
     ), due AS (
       SELECT id FROM callback_deliveries
       WHERE status = 'pending' AND next_attempt_at <= now() AND expires_at > now()
         AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
       ORDER BY next_attempt_at LIMIT $1
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE callback_deliveries d
       SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => $2),
           leased_until = now() + make_interval(secs => $2)
       FROM due WHERE d.id = due.id
       RETURNING d.id, d.tenant_id, d.kind, d.url, d.payload, d.attempts
     )
     SELECT id::text, tenant_id, kind, url, payload, attempts, false AS expired FROM claimed
     UNION ALL
     SELECT id::text, tenant_id, kind, url, payload, attempts, true FROM expired`,
    [o.limit, o.leaseSeconds, o.only ?? null],
  );
  const delivery = (r: Record<string, unknown>): DueDelivery => ({
    id: r.id as string,
    tenant: r.tenant_id as string,
    kind: r.kind as DeliveryKind,
    url: r.url as string,
    payload: r.payload as Record<string, string>,
    attempts: r.attempts as number,
  });
  return { due: rows.filter((r) => !r.expired).map(delivery), expired: rows.filter((r) => r.expired).map(delivery) };
}

/** What one attempt came to: done, stop for good (404/410), or try again after `retryInSeconds`. */
export interface AttemptOutcome {
  id: string;
  outcome: 'delivered' | 'stop' | 'retry';
  /** HTTP status of the last answer; null when none came. */
  status: number | null;
  /** Redacted: never the URL's query or a token. */
  error: string | null;
  retryInSeconds: number;
}

/**
 * Records the outcomes of a run in one statement; a retry that would fall after expiry gives up
 * now. Returns the ids given up (stopped or expired).
 */
export async function recordOutcomes(sql: Sql, outcomes: AttemptOutcome[]): Promise<string[]> {
  if (outcomes.length === 0) return [];
  const rows = await sql.query(
    `UPDATE callback_deliveries d SET
       status = CASE
         WHEN o.outcome = 'delivered' THEN 'delivered'
         WHEN o.outcome = 'stop' OR now() + make_interval(secs => o.delay) >= d.expires_at THEN 'failed'
         ELSE 'pending' END,
       delivered_at = CASE WHEN o.outcome = 'delivered' THEN now() END,
       next_attempt_at = now() + make_interval(secs => o.delay),
       leased_until = NULL,
       last_status = o.status,
       last_error = CASE
         WHEN o.outcome = 'retry' AND now() + make_interval(secs => o.delay) >= d.expires_at THEN concat_ws('; ', o.error, 'expired')
         ELSE o.error END
     FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::float8[]) AS o(id, outcome, status, error, delay)
     WHERE d.id = o.id
     RETURNING d.id::text, d.status`,
    [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.outcome),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.error),
      outcomes.map((o) => o.retryInSeconds),
    ],
  );
  return rows.filter((r) => r.status === 'failed').map((r) => r.id as string);
}

/**
 * Makes a tenant's pending deliveries due now (the frontend is back; no need to wait out the
 * backoff); rows being attempted right now are left to their attempt. Returns the ids made due.
 */
export async function retryPendingNow(sql: Sql, tenant: string): Promise<string[]> {
  const rows = await sql.query(
    `UPDATE callback_deliveries SET next_attempt_at = now()
     WHERE tenant_id = $1 AND status = 'pending' AND expires_at > now() AND next_attempt_at > now()
       AND (leased_until IS NULL OR leased_until <= now())
     RETURNING id::text`,
    [tenant],
  );
  return rows.map((r) => r.id as string);
}

/** A delivery as operators see it: the URL without its query. */
export interface DeliveryView {
  id: string;
  kind: DeliveryKind;
  status: DeliveryStatus;
  meetingID: string;
  recordID: string | null;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  expiresAt: string;
  createdAt: string;
}

/** Recent deliveries of a tenant, newest first, for operators (the JSON admin API of issue 5). */
export async function listDeliveries(
  sql: Sql,
  o: { tenant: string; status?: DeliveryStatus; limit?: number },
): Promise<DeliveryView[]> {
  const rows = await sql.query(
    `SELECT id::text, kind, status, meeting_id, record_id, split_part(url, '?', 1) AS url, attempts, last_status,
            last_error, CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at,
            delivered_at, expires_at, created_at
     FROM callback_deliveries
     WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [o.tenant, o.status ?? null, o.limit ?? 100],
  );
  const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
  return rows.map((r) => ({
    id: r.id as string,
    kind: r.kind as DeliveryKind,
    status: r.status as DeliveryStatus,
    meetingID: r.meeting_id as string,
    recordID: r.record_id as string | null,
    url: r.url as string,
    attempts: r.attempts as number,
    lastStatus: r.last_status as number | null,
    lastError: r.last_error as string | null,
    nextAttemptAt: iso(r.next_attempt_at),
    deliveredAt: iso(r.delivered_at),
    expiresAt: iso(r.expires_at)!,
    createdAt: iso(r.created_at)!,
  }));
}
