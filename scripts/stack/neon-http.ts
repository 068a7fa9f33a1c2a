import type http from 'node:http'
import pg from 'pg'
import { type Bridge, Counters, HttpError, createBridgeServer, readJson, sendJson, serveBridge } from './bridge-http.js'

/**
 * Neon's HTTP query endpoint (`POST /sql`, what `neon()` speaks) on top of a plain Postgres.
 * Credentials and database come from the request's Neon-Connection-String; host and port are
 * always those of `pgUrl`, so the Worker can keep its real DATABASE_URL.
 */
export async function startNeonHttp(options: { pgUrl: string; port: number }): Promise<Bridge> {
  const target = new URL(options.pgUrl)
  const pools = new Map<string, pg.Pool>()
  const counters = new Counters(['queries'])

  const poolFor = (connectionString: string): pg.Pool => {
    let pool = pools.get(connectionString)
    if (!pool) {
      pool = new pg.Pool(connectionConfig(connectionString, target))
      pool.on('error', () => {}) // an idle client lost its server; the pool replaces it
      pools.set(connectionString, pool)
    }
    return pool
  }

  const server = createBridgeServer(counters, async (req, res, path) => {
    if (path !== '/sql') return sendJson(res, 404, { message: `Not Found: ${path}` })
    counters.request(path)
    if (req.method !== 'POST') return sendJson(res, 405, { message: 'Method Not Allowed' })
    const connectionString = req.headers['neon-connection-string']
    if (typeof connectionString !== 'string') throw new HttpError(400, { message: 'missing Neon-Connection-String header' })
    const body = await readJson(req, (message) => ({ message }))
    const arrayMode = req.headers['neon-array-mode'] === 'true'
    const pool = poolFor(connectionString)
    try {
      if (isBatch(body)) {
        const queries = body.queries.map(toQuery)
        counters.add('queries', queries.length)
        return sendJson(res, 200, { results: await runBatch(pool, queries, beginStatement(req), arrayMode) })
      }
      const query = toQuery(body)
      counters.add('queries')
      sendJson(res, 200, toResponse(await pool.query(queryConfig(query, arrayMode)), arrayMode))
    } catch (error) {
      if (error instanceof pg.DatabaseError) return sendJson(res, 400, databaseError(error))
      throw error instanceof HttpError ? error : new HttpError(502, { message: error instanceof Error ? error.message : String(error) })
    }
  })

  return serveBridge(server, options.port, async () => {
    await Promise.all([...pools.values()].map((pool) => pool.end()))
  })
}

function connectionConfig(connectionString: string, target: URL): pg.PoolConfig {
  let given: URL
  try {
    given = new URL(connectionString)
  } catch {
    throw new HttpError(400, { message: 'Neon-Connection-String is not a valid URL' })
  }
  return {
    host: target.hostname,
    port: Number(target.port || 5432),
    user: decodeURIComponent(given.username),
    password: decodeURIComponent(given.password),
    database: decodeURIComponent(given.pathname.slice(1)),
    application_name: given.searchParams.get('application_name') ?? 'neon-http-bridge',
    max: 10,
    idleTimeoutMillis: 10_000,
  }
}

interface Query {
  query: string
  params: unknown[]
}

function isBatch(body: unknown): body is { queries: unknown[] } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { queries?: unknown }).queries)
}

function toQuery(value: unknown): Query {
  const { query, params = [] } = (typeof value === 'object' && value !== null ? value : {}) as Partial<Query>
  if (typeof query !== 'string' || !Array.isArray(params)) throw new HttpError(400, { message: 'expected {"query": string, "params"?: array}' })
  return { query, params }
}

// Neon-Raw-Text-Output: every cell goes back as Postgres text and the driver parses it by dataTypeID.
const rawText = { getTypeParser: () => (text: string) => text }

function queryConfig(query: Query, arrayMode: boolean): pg.QueryConfig {
  return { text: query.query, values: query.params, rowMode: arrayMode ? 'array' : undefined, types: rawText } as pg.QueryConfig
}

function toResponse(result: pg.QueryResult | pg.QueryResult[], arrayMode: boolean) {
  // A parameterless query with several statements yields one result each; Neon answers with the last.
  const last = Array.isArray(result) ? result[result.length - 1] : result
  return {
    command: last?.command ?? '',
    rowCount: last?.rowCount ?? 0,
    rows: last?.rows ?? [],
    fields: (last?.fields ?? []).map(({ name, tableID, columnID, dataTypeID, dataTypeSize, dataTypeModifier, format }) => ({
      name,
      tableID,
      columnID,
      dataTypeID,
      dataTypeSize,
      dataTypeModifier,
      format,
    })),
    rowAsArray: arrayMode,
  }
}

const ISOLATION: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
}

/** `sql.transaction()` options arrive as Neon-Batch-* headers. */
function beginStatement(req: http.IncomingMessage): string {
  const level = req.headers['neon-batch-isolation-level']
  const parts = ['BEGIN']
  if (typeof level === 'string') {
    const sql = ISOLATION[level]
    if (!sql) throw new HttpError(400, { message: `unknown Neon-Batch-Isolation-Level: ${level}` })
    parts.push(`ISOLATION LEVEL ${sql}`)
  }
  if (req.headers['neon-batch-read-only'] === 'true') parts.push('READ ONLY')
  if (req.headers['neon-batch-deferrable'] === 'true') parts.push('DEFERRABLE')
  return parts.join(' ')
}

async function runBatch(pool: pg.Pool, queries: Query[], begin: string, arrayMode: boolean) {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(begin)
    const results = []
    for (const query of queries) results.push(toResponse(await client.query(queryConfig(query, arrayMode)), arrayMode))
    await client.query('COMMIT')
    return results
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
    throw error
  } finally {
    client.release(broken)
  }
}

const ERROR_FIELDS = ['message', 'code', 'severity', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine'] as const

function databaseError(error: pg.DatabaseError): Record<string, unknown> {
  return Object.fromEntries(ERROR_FIELDS.map((field) => [field, error[field]]))
}
