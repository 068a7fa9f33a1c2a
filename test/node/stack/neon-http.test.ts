import { NeonDbError, neon, neonConfig } from '@neondatabase/serverless'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Bridge } from '../../../scripts/stack/bridge-http.js'
import { startNeonHttp } from '../../../scripts/stack/neon-http.js'

const { databaseUrl } = inject('stack').endpoints
let bridge: Bridge

beforeAll(async () => {
  bridge = await startNeonHttp({ pgUrl: databaseUrl, port: 0 })
  neonConfig.fetchEndpoint = () => `${bridge.url}/sql`
  await neon(databaseUrl)`CREATE TABLE IF NOT EXISTS http_items (id int PRIMARY KEY, name text NOT NULL)`
})
afterAll(() => bridge.stop())

const counters = async () => (await fetch(`${bridge.url}/__counters`)).json()
const resetCounters = () => fetch(`${bridge.url}/__counters`, { method: 'DELETE' })

describe('neon() over the local /sql endpoint', () => {
  it('returns typed rows parsed by the driver from raw text', async () => {
    const sql = neon(databaseUrl)
    const [row] = await sql`SELECT 1::int AS i, 'x'::text AS t, NULL::text AS n, ARRAY[1,2]::int[] AS a,
      '{"k":[true]}'::jsonb AS j, true AS b, '2026-01-02T03:04:05Z'::timestamptz AS ts, ${'param'}::text AS p`
    expect(row).toEqual({ i: 1, t: 'x', n: null, a: [1, 2], j: { k: [true] }, b: true, ts: new Date('2026-01-02T03:04:05Z'), p: 'param' })
    expect(await sql.query('SELECT $1::int + 1 AS two', [1])).toEqual([{ two: 2 }])
    const full = await neon(databaseUrl, { fullResults: true, arrayMode: true })`SELECT 'a' AS letter`
    expect(full).toMatchObject({ command: 'SELECT', rowCount: 1, rows: [['a']], fields: [{ name: 'letter', dataTypeID: 25 }] })
  })

  it('runs transactions with an isolation level and rolls back on error', async () => {
    const sql = neon(databaseUrl)
    await sql`DELETE FROM http_items`
    const [, inserted] = await sql.transaction(
      [sql`INSERT INTO http_items VALUES (1, 'one')`, sql`INSERT INTO http_items VALUES (2, 'two') RETURNING name`],
      { isolationLevel: 'Serializable' },
    )
    expect(inserted).toEqual([{ name: 'two' }])
    const failing = sql.transaction([sql`INSERT INTO http_items VALUES (3, 'three')`, sql`INSERT INTO http_items VALUES (1, 'again')`])
    await expect(failing).rejects.toMatchObject({ name: 'NeonDbError', code: '23505', constraint: 'http_items_pkey' })
    expect(await sql`SELECT id FROM http_items ORDER BY id`).toEqual([{ id: 1 }, { id: 2 }])
    const readOnly = sql.transaction([sql`INSERT INTO http_items VALUES (4, 'four')`], { readOnly: true })
    await expect(readOnly).rejects.toMatchObject({ code: '25006' })
  })

  it('surfaces Postgres errors with their fields', async () => {
    const error = await neon(databaseUrl)`SELECT * FROM nope`.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NeonDbError)
    expect(error).toMatchObject({ code: '42P01', severity: 'ERROR', message: 'relation "nope" does not exist' })
  })

  it('counts requests and statements', async () => {
    const sql = neon(databaseUrl)
    await resetCounters()
    await sql`SELECT 1`
    await sql.transaction([sql`SELECT 1`, sql`SELECT 2`, sql`SELECT 3`])
    await counters()
    expect(await counters()).toEqual({ requests: 2, byPath: { '/sql': 2 }, queries: 4 })
  })
})

describe('/sql endpoint robustness', () => {
  const post = (path: string, body: string, headers: Record<string, string> = { 'neon-connection-string': databaseUrl }) =>
    fetch(bridge.url + path, { method: 'POST', headers, body })

  it('answers bad input with JSON errors and keeps serving', async () => {
    const cases: [Promise<Response>, number][] = [
      [post('/sql', '{oops'), 400],
      [post('/sql', '{"query": 1}'), 400],
      [post('/sql', '{"query": "SELECT 1"}', {}), 400],
      [post('/sql', '{"query": "SELECT 1"}', { 'neon-connection-string': 'not a url' }), 400],
      [post('/sql', '{"queries": [{"query": "SELECT 1"}]}', { 'neon-connection-string': databaseUrl, 'neon-batch-isolation-level': 'Bogus' }), 400],
      [post('/elsewhere', '{}'), 404],
    ]
    for (const [response, status] of cases) {
      const res = await response
      expect(res.status).toBe(status)
      expect(typeof ((await res.json()) as { message: unknown }).message).toBe('string')
    }
    const wrongPassword = new URL(databaseUrl)
    wrongPassword.password = 'wrong'
    const denied = await post('/sql', '{"query": "SELECT 1"}', { 'neon-connection-string': wrongPassword.toString() })
    expect(denied.status).toBe(400)
    expect(await denied.json()).toMatchObject({ code: '28P01' })
    expect(await neon(databaseUrl)`SELECT 1 AS ok`).toEqual([{ ok: 1 }])
  })
})
