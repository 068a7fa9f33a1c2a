// The import command as an operator runs it: a Scalelite tree and database export on disk, the
// test stack's Postgres, and a local R2 (the one `npm run dev` uses, in a private state directory).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openLocalBucket } from '../../../scripts/import-scalelite/targets.js'
import { migrate } from '../../../scripts/stack/migrations.js'

const stack = inject('stack')
mkdirSync('.local', { recursive: true })
const root = mkdtempSync(path.resolve('.local', 'import-scalelite-test-'))
const state = path.join(root, 'state')
const PUB = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0-1700000000000'
const UNPUB = 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1-1700000001000'
const DB_ONLY_NAME = 'Physics, "advanced"'

function metadataXml(id: string, format: string): string {
  return `<recording><id>${id}</id><state>published</state><published>true</published>
<start_time>1700000000000</start_time><end_time>1700003600000</end_time><participants>3</participants>
<meeting id="${id}" externalId="room-${id}" name="Room" breakout="false"/>
<meta><meetingId>room-${id}</meetingId><meetingName>Room ${id}</meetingName><isBreakout>false</isBreakout></meta>
<playback><format>${format}</format><link>https://old-bbb.example.com/playback/${format}/2.3/${id}</link><duration>600000</duration></playback>
</recording>`
}

function put(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

/**
 * A database of its own (migrated like the stack's): the workers tests clear the recordings
 * table of the shared one, and may run beside this file. PGlite has one database only: shared then.
 */
let databaseUrl = stack.endpoints.databaseUrl
const privateDb = `import_scalelite_${process.pid}`

function importer(args: string[], env: Record<string, string | undefined> = {}) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import-scalelite.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, NEON_HTTP_ENDPOINT: stack.endpoints.neonHttpEndpoint, ...env },
    timeout: 120_000,
  })
  const lines = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>)
  return { status: res.status, stderr: res.stderr, outcomes: lines.filter((l) => !l.summary), summary: lines.find((l) => l.summary)?.summary }
}

async function query(sql: string, params: unknown[] = [], url = databaseUrl) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows
  } finally {
    await client.end()
  }
}

async function keys(): Promise<string[]> {
  const local = await openLocalBucket(state)
  try {
    return (await local.bucket.list()).objects.map((o: { key: string }) => o.key).sort()
  } finally {
    await local.close()
  }
}

const published = path.join(root, 'published')
const unpublished = path.join(root, 'unpublished')
const dbExport = path.join(root, 'export')
const cleanup = () => query(`DELETE FROM recordings WHERE server_id = 'scalelite-import'`)

beforeAll(async () => {
  put(path.join(published, 'presentation', PUB, 'metadata.xml'), metadataXml(PUB, 'presentation'))
  put(path.join(published, 'presentation', PUB, 'shapes.svg'), '<svg/>')
  put(path.join(published, 'presentation', PUB, 'presentation', 'deck', 'slide-1.png'), 'png')
  put(path.join(unpublished, 'podcast', UNPUB, 'metadata.xml'), metadataXml(UNPUB, 'podcast'))
  put(path.join(unpublished, 'podcast', UNPUB, 'audio.ogg'), 'ogg')
  // psql \copy … CSV HEADER: t/f booleans, UTC timestamps, quoted fields with commas and quotes, unquoted empty = NULL.
  put(path.join(dbExport, 'recordings.csv'), [
    'id,record_id,meeting_id,name,published,participants,state,starttime,endtime,deleted_at,created_at,updated_at,protected,publish_updated',
    `1,${PUB},room-${PUB},Renamed,t,3,published,2023-11-14 22:13:20,2023-11-14 23:13:20,,2023-11-14 23:20:00,2023-11-14 23:20:00,t,f`,
    `2,${UNPUB},room-${UNPUB},Room,f,3,unpublished,2023-11-14 22:13:21,,,2023-11-14 23:20:00,2023-11-14 23:20:00,f,t`,
    `3,db-only,room-db,"${DB_ONLY_NAME.replace(/"/g, '""')}",t,,published,2023-11-14 22:13:22,,,2023-11-14 23:20:00,2023-11-14 23:20:00,f,f`,
  ].join('\n') + '\n')
  put(path.join(dbExport, 'metadata.csv'), 'id,recording_id,key,value,created_at,updated_at\n1,1,gl-listed,"false",2023-11-14 23:20:00,2023-11-14 23:20:00\n2,3,note,"",2023-11-14 23:20:00,2023-11-14 23:20:00\n')
  put(path.join(dbExport, 'playback_formats.csv'), [
    'id,recording_id,format,url,length,processing_time,created_at,updated_at',
    `1,1,presentation,/playback/presentation/2.3/${PUB},10,,2023-11-14 23:20:00,2023-11-14 23:20:00`,
    `2,2,podcast,/podcast/${UNPUB}/audio.ogg,10,,2023-11-14 23:20:00,2023-11-14 23:20:00`,
    '3,3,presentation,/playback/presentation/2.3/db-only,5,,2023-11-14 23:20:00,2023-11-14 23:20:00',
  ].join('\r\n') + '\r\n')
  try {
    await query(`DROP DATABASE IF EXISTS ${privateDb}`)
    await query(`CREATE DATABASE ${privateDb}`)
    const url = new URL(stack.endpoints.databaseUrl)
    url.pathname = `/${privateDb}`
    databaseUrl = url.toString()
    await migrate(databaseUrl)
  } catch {
    // PGlite: the shared database.
  }
  await cleanup()
})

afterAll(async () => {
  await cleanup()
  if (databaseUrl !== stack.endpoints.databaseUrl) {
    await query(`DROP DATABASE IF EXISTS ${privateDb} WITH (FORCE)`, [], stack.endpoints.databaseUrl)
  }
  rmSync(root, { recursive: true, force: true })
})

// Each run starts tsx and, for --local-state, a local workerd: seconds, not milliseconds.
describe('npm run import:scalelite', { timeout: 120_000 }, () => {
  it('refuses bad usage clearly', () => {
    expect(importer([])).toMatchObject({ status: 2, stderr: expect.stringContaining('give at least one of --published') })
    expect(importer(['--bogus'])).toMatchObject({ status: 2, stderr: expect.stringContaining("Unknown option '--bogus'") })
    expect(importer(['--published', published], { DATABASE_URL: undefined })).toMatchObject({ status: 2, stderr: expect.stringContaining('DATABASE_URL is not set') })
    const noTenant = importer(['--published', published, '--tenant', 'nope', '--local'])
    expect(noTenant.status).toBe(1)
    expect(noTenant.stderr).toContain('tenant nope does not exist')
    const noR2 = importer(['--published', published])
    expect(noR2.status).toBe(1)
    expect(noR2.stderr).toContain('set R2_ACCOUNT_ID (or R2_S3_ENDPOINT), R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY, or use --local')
  })

  it('a dry run reports and writes nothing (--only limits it to some recordings)', async () => {
    const run = importer(['--published', published, '--unpublished', unpublished, '--local-state', state, '--dry-run', '--only', `${PUB},unknown`])
    expect(run.status).toBe(0)
    expect(run.outcomes.map((o) => [o.recordID, o.outcome])).toEqual([[PUB, 'would import']])
    expect(run.summary).toMatchObject({ wouldImport: 1, imported: 0, uploaded: 3 })
    expect(run.stderr).not.toContain(new URL(databaseUrl).password || '\u0000')
    expect(await query(`SELECT record_id FROM recordings WHERE server_id = 'scalelite-import'`)).toEqual([])
  })

  it('imports the tree (re-runs are covered by test/integration/import-scalelite.test.ts)', async () => {
    const run = importer(['--published', published, '--unpublished', unpublished, '--local-state', state])
    expect(run.status).toBe(0)
    expect(run.summary).toMatchObject({ imported: 2, failed: 0, uploaded: 5 })
    expect(await keys()).toEqual([
      `published/presentation/${PUB}/metadata.xml`,
      `published/presentation/${PUB}/presentation/deck/slide-1.png`,
      `published/presentation/${PUB}/shapes.svg`,
      `unpublished/podcast/${UNPUB}/audio.ogg`,
      `unpublished/podcast/${UNPUB}/metadata.xml`,
    ])
    expect(await query(`SELECT record_id, state, published FROM recordings WHERE server_id = 'scalelite-import' ORDER BY record_id`)).toEqual([
      { record_id: PUB, state: 'published', published: true },
      { record_id: UNPUB, state: 'unpublished', published: false },
    ])
  })

  it('with the database export: its state wins on a first import, and a recording whose files are missing is reported, not indexed', async () => {
    // Once indexed, a recording's entry is the API's to change, not a re-run's: start from an empty
    // index (the files stay in the bucket) so this is the export's first import.
    await query(`DELETE FROM recordings WHERE server_id = 'scalelite-import'`)
    const run = importer(['--published', published, '--unpublished', unpublished, '--db-export', dbExport, '--local-state', state])
    expect(run.status).toBe(0)
    // Files already stored by the previous run are not sent again.
    expect(run.summary).toMatchObject({ imported: 2, skipped: 1, uploaded: 0, present: 5 })
    expect(run.outcomes.find((o) => o.recordID === 'db-only')).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('neither in the tree nor in the bucket') })
    const rows = await query(`SELECT record_id, name, protected, publish_updated, metadata, start_time FROM recordings WHERE server_id = 'scalelite-import' ORDER BY record_id`)
    expect(rows).toEqual([
      { record_id: PUB, name: 'Renamed', protected: true, publish_updated: false, metadata: { 'gl-listed': 'false' }, start_time: new Date('2023-11-14T22:13:20Z') },
      { record_id: UNPUB, name: 'Room', protected: false, publish_updated: true, metadata: {}, start_time: new Date('2023-11-14T22:13:21Z') },
    ])
  })
})
