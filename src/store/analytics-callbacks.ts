import type { CallbackSettings } from '../config.js';
import type { Sql } from './postgres.js';

/**
 * Schedules the relay of a node's analytics report to the URL the meeting's create carried, with
 * the report (plus `customer`) as the payload. `instance` tells meetings that reuse one meetingID
 * apart, so a node sending one report twice relays it once. Returns the delivery's id, or null
 * when the meeting has no analytics URL or this report is already queued.
 */
export async function enqueueAnalyticsCallback(
  sql: Sql,
  cfg: CallbackSettings,
  m: { tenant: string; meetingID: string; instance: string; payload: Record<string, unknown> },
): Promise<string | null> {
  const rows = await sql.query(
    `INSERT INTO callback_deliveries (tenant_id, kind, dedupe_key, meeting_id, url, payload, expires_at)
     SELECT tenant_id, 'analytics', $3, meeting_id, analytics_callback_url, $4::jsonb, now() + make_interval(secs => $5)
     FROM meeting_callbacks
     WHERE tenant_id = $1 AND meeting_id = $2 AND analytics_callback_url IS NOT NULL
     ON CONFLICT (tenant_id, kind, dedupe_key) DO NOTHING
     RETURNING id::text`,
    [m.tenant, m.meetingID, `${m.meetingID}@${m.instance}`, JSON.stringify(m.payload), cfg.expirySeconds],
  );
  return (rows[0]?.id as string | undefined) ?? null;
}
