import type { Sql } from './postgres.js';
import { readSettings, type TenantSettings } from '../tenant-settings.js';

export interface TenantRow {
  id: string;
  name: string;
  enabled: boolean;
  /** Oldest first; any of them signs the tenant's BBB calls. */
  secrets: string[];
  settings: TenantSettings;
}

interface DbTenant {
  id: string;
  name: string;
  enabled: boolean;
  secrets: string[] | null;
  settings: unknown;
}

const SELECT = `
  SELECT t.id, t.name, t.enabled, t.settings,
         (SELECT array_agg(s.secret ORDER BY s.created_at, s.id) FROM tenant_secrets s WHERE s.tenant_id = t.id) AS secrets
  FROM tenants t`;

const toRow = (r: DbTenant): TenantRow => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  secrets: r.secrets ?? [],
  settings: readSettings(r.settings),
});

export async function listTenants(sql: Sql): Promise<TenantRow[]> {
  return ((await sql.query(`${SELECT} ORDER BY t.created_at, t.id`)) as DbTenant[]).map(toRow);
}

export async function getTenant(sql: Sql, id: string): Promise<TenantRow | undefined> {
  const rows = (await sql.query(`${SELECT} WHERE t.id = $1`, [id])) as DbTenant[];
  return rows[0] && toRow(rows[0]);
}

/** A new tenant with its secrets, in one statement; undefined when the name is taken. */
export async function insertTenant(
  sql: Sql,
  t: { name: string; secrets: string[]; settings?: TenantSettings; enabled?: boolean },
): Promise<TenantRow | undefined> {
  const rows = (await sql.query(
    `WITH t AS (
       INSERT INTO tenants (name, enabled, settings) VALUES ($1, $2, $3::jsonb) ON CONFLICT (name) DO NOTHING RETURNING id
     ), s AS (
       INSERT INTO tenant_secrets (tenant_id, secret) SELECT t.id, x FROM t, unnest($4::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n
     )
     SELECT id FROM t`,
    [t.name, t.enabled ?? true, JSON.stringify(t.settings ?? {}), t.secrets],
  )) as { id: string }[];
  return rows[0] ? getTenant(sql, rows[0].id) : undefined;
}

/**
 * Changes a tenant in one transaction. `secrets` replaces the whole list (Scalelite's
 * updateTenant); `addSecrets`/`removeSecrets` rotate one at a time without a gap.
 */
export async function updateTenant(
  sql: Sql,
  id: string,
  patch: { name?: string; enabled?: boolean; settings?: TenantSettings; secrets?: string[]; addSecrets?: string[]; removeSecrets?: string[] },
): Promise<TenantRow | undefined> {
  const statements = [
    sql.query(
      `UPDATE tenants SET name = COALESCE($2, name), enabled = COALESCE($3, enabled),
         settings = COALESCE($4::jsonb, settings), updated_at = now() WHERE id = $1`,
      [id, patch.name ?? null, patch.enabled ?? null, patch.settings ? JSON.stringify(patch.settings) : null],
    ),
  ];
  if (patch.secrets) statements.push(sql.query('DELETE FROM tenant_secrets WHERE tenant_id = $1', [id]));
  const add = [...(patch.secrets ?? []), ...(patch.addSecrets ?? [])];
  if (add.length > 0) {
    statements.push(
      sql.query(
        `INSERT INTO tenant_secrets (tenant_id, secret)
         SELECT $1, x FROM tenants, unnest($2::text[]) WITH ORDINALITY AS u(x, n) WHERE tenants.id = $1 ORDER BY n
         ON CONFLICT (tenant_id, secret) DO NOTHING`,
        [id, add],
      ),
    );
  }
  if (patch.removeSecrets?.length) {
    statements.push(sql.query('DELETE FROM tenant_secrets WHERE tenant_id = $1 AND secret = ANY($2::text[])', [id, patch.removeSecrets]));
  }
  await sql.transaction(statements);
  return getTenant(sql, id);
}

/** What keeps a tenant from being deleted: recordings not deleted, and uploads still in progress. */
export async function tenantHoldings(sql: Sql, id: string): Promise<{ recordings: number; uploads: number }> {
  const rows = (await sql.query(
    `SELECT (SELECT count(*) FROM recordings WHERE tenant_id = $1 AND state <> 'deleted')::int AS recordings,
            (SELECT count(*) FROM recording_uploads WHERE tenant_id = $1)::int AS uploads`,
    [id],
  )) as { recordings: number; uploads: number }[];
  return rows[0] ?? { recordings: 0, uploads: 0 };
}

/**
 * Deletes a tenant with its meeting history, callback URLs and deliveries, and the tombstones of
 * its deleted recordings, in one transaction; a recording or upload that appeared meanwhile
 * still refuses it (`referenced`) and nothing is deleted.
 */
export async function deleteTenant(sql: Sql, id: string): Promise<'deleted' | 'missing' | 'referenced'> {
  const owned = ['meeting_history', 'meeting_callbacks', 'callback_deliveries'];
  try {
    const results = await sql.transaction([
      ...owned.map((table) => sql.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [id])),
      sql.query(`DELETE FROM recordings WHERE tenant_id = $1 AND state = 'deleted'`, [id]),
      sql.query('DELETE FROM tenants WHERE id = $1 RETURNING id', [id]),
    ]);
    return (results.at(-1) as unknown[]).length > 0 ? 'deleted' : 'missing';
  } catch (e) {
    // 23503: a foreign key still points at the tenant.
    if (e && typeof e === 'object' && 'code' in e && e.code === '23503') return 'referenced';
    throw e;
  }
}
