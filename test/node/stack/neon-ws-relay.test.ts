import { Client, Pool, neonConfig } from '@neondatabase/serverless'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import ws from 'ws'
import type { Bridge } from '../../../scripts/stack/bridge-http.js'
import { startNeonWsRelay } from '../../../scripts/stack/neon-ws-relay.js'

const { databaseUrl } = inject('stack').endpoints
let relay: Bridge

beforeAll(async () => {
  relay = await startNeonWsRelay({ pgUrl: databaseUrl, port: 0 })
  // What the Worker does with NEON_WS_PROXY; workerd has a WebSocket global, Node 20 does not.
  neonConfig.webSocketConstructor = ws
  neonConfig.wsProxy = (host, port) => `127.0.0.1:${relay.port}/v1?address=${host}:${port}`
  neonConfig.useSecureWebSocket = false
  neonConfig.pipelineTLS = false
  neonConfig.pipelineConnect = false // its default ("password") fails against SCRAM
})
afterAll(() => relay.stop())

const counters = async () => (await fetch(`${relay.url}/__counters`)).json()

describe('Neon Pool/Client over the WebSocket relay', () => {
  it('commits and rolls back transactions', async () => {
    const pool = new Pool({ connectionString: databaseUrl })
    try {
      await pool.query('CREATE TABLE IF NOT EXISTS ws_items (id int PRIMARY KEY)')
      await pool.query('DELETE FROM ws_items')
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        await client.query('INSERT INTO ws_items VALUES (1), (2)')
        await client.query('COMMIT')
        await client.query('BEGIN')
        await client.query('INSERT INTO ws_items VALUES (3)')
        await expect(client.query('INSERT INTO ws_items VALUES (1)')).rejects.toMatchObject({ code: '23505' })
        await client.query('ROLLBACK')
      } finally {
        client.release()
      }
      const { rows } = await pool.query('SELECT id FROM ws_items ORDER BY id')
      expect(rows).toEqual([{ id: 1 }, { id: 2 }])
    } finally {
      await pool.end()
    }
  })

  it('serves parallel queries and ends promptly (Terminate closes both sides)', async () => {
    const pool = new Pool({ connectionString: databaseUrl, max: 5 })
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.query('SELECT $1::int AS i, pg_sleep(0.02)', [i])))
    expect(results.map((r) => r.rows[0].i)).toEqual([...Array(10).keys()])
    await pool.end()
    const client = new Client(databaseUrl)
    await client.connect()
    expect((await client.query('SELECT current_database() AS db')).rows).toEqual([{ db: new URL(databaseUrl).pathname.slice(1) }])
    await client.end()
  })

  it('counts connections and Query/Parse messages', async () => {
    await fetch(`${relay.url}/__counters`, { method: 'DELETE' })
    const client = new Client(databaseUrl)
    await client.connect()
    await client.query('SELECT 1') // simple protocol: Query
    await client.query('SELECT $1::int', [1]) // extended protocol: Parse
    await client.end()
    await counters()
    expect(await counters()).toEqual({ requests: 1, byPath: { '/v1': 1 }, queries: 2 })
  })

  it('rejects other WebSocket paths and answers plain HTTP with JSON 404', async () => {
    const rejected = await new Promise<string>((resolve) => {
      const socket = new ws(`ws://127.0.0.1:${relay.port}/elsewhere`)
      socket.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
      socket.on('error', (error) => resolve(error.message))
    })
    expect(rejected).toMatch(/404/)
    const res = await fetch(`${relay.url}/v1`)
    expect(res.status).toBe(404)
    expect(await res.json()).toHaveProperty('error')
  })

  it('survives garbage on the wire', async () => {
    await new Promise<void>((resolve) => {
      const socket = new ws(`ws://127.0.0.1:${relay.port}/v1?address=x:5432`)
      socket.on('open', () => socket.send(Buffer.from([0, 0, 0, 1, 0xff, 0xff])))
      socket.on('close', () => resolve())
      socket.on('error', () => resolve())
      setTimeout(() => socket.close(), 200)
    })
    const client = new Client(databaseUrl)
    await client.connect()
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }])
    await client.end()
  })
})
