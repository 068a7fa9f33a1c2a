import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'

// Any constant works; it only has to be the same for every migrate run against a database.
const LOCK = 7_263_544_011

/**
 * Applies the `.sql` files of `dir` that are not yet recorded in schema_migrations, in lexical
 * order, each in its own transaction; returns the names applied by this run.
 *
 * Every transaction first takes a transaction-level advisory lock and re-checks schema_migrations,
 * so concurrent runs apply each file once and in order. Transaction-level (not session) locks also
 * hold through a transaction-pooling PgBouncer such as Neon's `-pooler` endpoint.
 * A file must not contain its own BEGIN/COMMIT or statements that refuse transactions.
 */
export async function migrate(databaseUrl: string, dir = 'migrations'): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    await transaction(client, () =>
      client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())'),
    )
    const applied: string[] = []
    for (const name of files) {
      const sql = readFileSync(path.join(dir, name), 'utf8')
      const didApply = await transaction(client, async () => {
        const { rowCount } = await client.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name])
        if (rowCount) return false
        await client.query(sql).catch((error: Error) => {
          throw Object.assign(error, { message: `migration ${name} failed: ${error.message}` })
        })
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name])
        return true
      })
      if (didApply) applied.push(name)
    }
    return applied
  } finally {
    await client.end()
  }
}

async function transaction<T>(client: pg.Client, body: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK])
    const result = await body()
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}
