import type { Statement } from './callbacks.js';
import type { Sql } from './postgres.js';

/**
 * The migration's own writes beside the shared index write (recording-index.ts): the state the
 * Scalelite API had set on a recording, which an upload's metadata.xml cannot say.
 */
export function carryOverState(r: { recordID: string; owner: string; protected: boolean; publishUpdated: boolean }): Statement {
  return {
    text: 'UPDATE recordings SET protected = $3, publish_updated = $4 WHERE record_id = $1 AND server_id = $2',
    params: [r.recordID, r.owner, r.protected, r.publishUpdated],
  };
}

export async function tenantExists(sql: Sql, tenant: string): Promise<boolean> {
  return (await sql.query('SELECT 1 FROM tenants WHERE id = $1', [tenant])).length === 1;
}
