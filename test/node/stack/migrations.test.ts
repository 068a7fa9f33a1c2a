import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { migrate } from '../../../scripts/stack/migrations.js'

const { databaseUrl } = inject('stack').endpoints
const created: string[] = []
let dir: string

/** A fresh database on the test cluster, so every case starts without schema_migrations. */
async function freshDatabase(): Promise<string> {
  const name = `migrate_${randomBytes(4).toString('hex')}`
  await withClient(databaseUrl, (client) => client.query(`CREATE DATABASE ${name}`))
  created.push(name)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function withClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

const rows = (url: string, sql: string) => withClient(url, async (client) => (await client.query(sql)).rows)

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'))
  writeFileSync(path.join(dir, '0002_b.sql'), 'INSERT INTO log VALUES (2);')
  writeFileSync(path.join(dir, '0001_a.sql'), 'CREATE TABLE log (n int PRIMARY KEY);\nINSERT INTO log VALUES (1);')
  writeFileSync(path.join(dir, '0010_c.sql'), 'INSERT INTO log VALUES (10);')
  writeFileSync(path.join(dir, 'README.md'), 'not a migration')
  return () => rmSync(dir, { recursive: true, force: true })
})

afterAll(async () => {
  for (const name of created) await withClient(databaseUrl, (client) => client.query(`DROP DATABASE ${name}`))
})

describe('migrate', () => {
  it('applies .sql files in lexical order, then nothing when run again', async () => {
    const url = await freshDatabase()
    expect(await migrate(url, dir)).toEqual(['0001_a.sql', '0002_b.sql', '0010_c.sql'])
    expect(await migrate(url, dir)).toEqual([])
    writeFileSync(path.join(dir, '0011_d.sql'), 'INSERT INTO log VALUES (11);')
    expect(await migrate(url, dir)).toEqual(['0011_d.sql'])
    expect(await rows(url, 'SELECT n FROM log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 10 }, { n: 11 }])
    expect((await rows(url, 'SELECT name FROM schema_migrations ORDER BY name')).map((r) => r.name)).toEqual([
      '0001_a.sql',
      '0002_b.sql',
      '0010_c.sql',
      '0011_d.sql',
    ])
  })

  it('is safe to run concurrently: each file applies exactly once', async () => {
    const url = await freshDatabase()
    const runs = await Promise.all(Array.from({ length: 4 }, () => migrate(url, dir)))
    expect(runs.flat().sort()).toEqual(['0001_a.sql', '0002_b.sql', '0010_c.sql'])
    expect(await rows(url, 'SELECT count(*)::int AS n FROM log')).toEqual([{ n: 3 }])
  })

  it('rolls back a failing file and names it, keeping the ones before it', async () => {
    const url = await freshDatabase()
    writeFileSync(path.join(dir, '0003_bad.sql'), 'INSERT INTO log VALUES (3);\nSELECT * FROM missing_table;')
    await expect(migrate(url, dir)).rejects.toThrow(/migration 0003_bad\.sql failed: relation "missing_table" does not exist/)
    expect(await rows(url, 'SELECT n FROM log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }])
    expect(await rows(url, "SELECT name FROM schema_migrations WHERE name LIKE '0003%'")).toEqual([])
  })

  it('has applied the project migrations to the test stack', async () => {
    expect(await rows(databaseUrl, "SELECT name FROM schema_migrations WHERE name = '0001_servers_tenants.sql'")).toHaveLength(1)
  })
})
