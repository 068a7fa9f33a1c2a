import type { Sql } from './postgres.js';

/** Meeting history is written off the hot path (waitUntil); losing a row never fails a call. */
export async function recordMeetingCreated(
  sql: Sql,
  m: { tenant: string; meetingID: string; internalMeetingID: string; server: string },
): Promise<void> {
  await sql.query(
    'INSERT INTO meeting_history (tenant_id, meeting_id, internal_meeting_id, server_id) VALUES ($1, $2, $3, $4)',
    [m.tenant, m.meetingID, m.internalMeetingID, m.server],
  );
}

export async function recordMeetingEnded(sql: Sql, m: { tenant: string; meetingID: string }): Promise<void> {
  await sql.query(
    `UPDATE meeting_history SET ended_at = now()
     WHERE id = (SELECT id FROM meeting_history WHERE tenant_id = $1 AND meeting_id = $2 AND ended_at IS NULL
                 ORDER BY created_at DESC LIMIT 1)`,
    [m.tenant, m.meetingID],
  );
}
