import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import path from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { startPostgres } from '../../../scripts/stack/postgres.js'
import { REDIS_MISSING, startRedis } from '../../../scripts/stack/redis.js'

// Under the project, not os.tmpdir(): the postgres user must be able to reach it when we run as root.
mkdirSync('.local', { recursive: true })
const root = mkdtempSync(path.resolve('.local', 'servers-test-'))
chmodSync(root, 0o755) // mkdtemp makes it private
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Lines of `ps` that mention `needle`: a data directory, or the address redis-server shows as its title. */
const processesUsing = (needle: string) =>
  execFileSync('ps', ['-eo', 'pid=,command='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(needle))

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

describe('startPostgres', () => {
  it('keeps data across restarts, wipes it when fresh, and leaves no process behind', async () => {
    const dir = path.join(root, 'pg')
    const first = await startPostgres({ dir, port: 0, fresh: true, honourEnv: false })
    expect(first.kind).toBe('postgres')
    expect(new URL(first.url).pathname).toBe('/scaleflare')
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)')
    await first.stop()
    expect(processesUsing(dir)).toEqual([])

    const second = await startPostgres({ dir, port: 0, honourEnv: false })
    expect(new URL(second.url).password).toBe(new URL(first.url).password)
    expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 1 }])
    await second.stop()

    const fresh = await startPostgres({ dir, port: 0, fresh: true, honourEnv: false })
    await expect(query(fresh.url, 'SELECT n FROM kept')).rejects.toMatchObject({ code: '42P01' })
    await fresh.stop()
    expect(processesUsing(dir)).toEqual([])
    // Three starts and stops of a real Postgres: seconds on a busy machine.
  }, 30_000)

  it('uses DATABASE_URL when set', async () => {
    process.env.DATABASE_URL = 'postgres://u:p@db.example:5432/x'
    try {
      const external = await startPostgres({ dir: path.join(root, 'unused'), port: 0 })
      expect(external).toMatchObject({ kind: 'external', url: 'postgres://u:p@db.example:5432/x' })
      await external.stop()
    } finally {
      delete process.env.DATABASE_URL
    }
  })
})

describe('startRedis', () => {
  it('persists across restarts, wipes when fresh, and leaves no process behind', async () => {
    const dir = path.join(root, 'redis')
    const first = await startRedis({ dir, port: 0, fresh: true, honourEnv: false })
    const client = new Redis(first.url)
    await client.set('kept', 'yes')
    client.disconnect()
    await first.stop()
    expect(processesUsing(new URL(first.url).host)).toEqual([])

    const second = await startRedis({ dir, port: 0, honourEnv: false })
    const again = new Redis(second.url)
    expect(await again.get('kept')).toBe('yes')
    again.disconnect()
    await second.stop()

    const fresh = await startRedis({ dir, port: 0, fresh: true, honourEnv: false })
    const empty = new Redis(fresh.url)
    expect(await empty.get('kept')).toBeNull()
    empty.disconnect()
    await fresh.stop()
    expect(processesUsing(new URL(fresh.url).host)).toEqual([])
  }, 30_000)

  it('uses REDIS_URL when set, and says what to install when redis-server is missing', async () => {
    process.env.REDIS_URL = 'redis://cache.example:6379'
    try {
      expect(await startRedis({ dir: path.join(root, 'unused'), port: 0 })).toMatchObject({ kind: 'external', url: 'redis://cache.example:6379' })
    } finally {
      delete process.env.REDIS_URL
    }
    const savedPath = process.env.PATH
    process.env.PATH = path.join(root, 'empty-bin')
    try {
      await expect(startRedis({ dir: path.join(root, 'unused'), port: 0, honourEnv: false })).rejects.toThrow(REDIS_MISSING)
    } finally {
      process.env.PATH = savedPath
    }
    expect(REDIS_MISSING).toMatch(/apt-get install redis-server/)
  })
})
