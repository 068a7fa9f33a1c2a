import type { Sql, Statement } from './postgres.js';

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

export interface IndexedState {
  tenant: string;
  serverId: string | null;
  state: string;
  published: boolean;
}

/** What the index already says about a record id: who owns it and its publication, the authority for a re-run. */
export async function indexedState(sql: Sql, recordID: string): Promise<IndexedState | undefined> {
  const rows = await sql.query('SELECT tenant_id AS tenant, server_id AS "serverId", state, published FROM recordings WHERE record_id = $1', [recordID]);
  return rows[0] as IndexedState | undefined;
}
