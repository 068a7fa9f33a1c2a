import type { Sql } from './postgres.js';

/**
 * Record ids of a tenant's recordings that started more than `days` ago (or were indexed that
 * long ago when their start is unknown) and are not deleted yet, oldest first.
 */
export async function recordingsOlderThan(sql: Sql, o: { tenant: string; days: number; limit: number }): Promise<string[]> {
  const rows = await sql.query(
    `SELECT record_id FROM recordings
     WHERE tenant_id = $1 AND state <> 'deleted'
       AND (start_time < now() - make_interval(secs => $2) OR (start_time IS NULL AND created_at < now() - make_interval(secs => $2)))
     ORDER BY start_time ASC NULLS FIRST, id
     LIMIT $3`,
    [o.tenant, o.days * 86400, o.limit],
  );
  return rows.map((r) => r.record_id as string);
}
