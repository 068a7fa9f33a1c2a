/**
 * `scaleflare usage` against the real Worker in workerd and the test stack's Postgres: a tenant's
 * day as the poll's samples left it, as a table, as CSV and as the API's JSON.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker'
import { adminApi, db, scaleflare } from './pool-setup'

const TOKEN = 'usage-cli-admin-token-0123456789'
const DAY = '2026-03-04'

let worker: IngestWorker
let tenant: { id: string; name: string }
const api = adminApi(() => worker.base, TOKEN)
const cli = scaleflare(() => worker.base, TOKEN)

beforeAll(async () => {
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN, MULTITENANCY_ENABLED: 'true' })
  tenant = await api('/tenants', 'POST', { name: `usage${Date.now().toString(36)}`, secrets: ['usage-cli-tenant-secret'] })
  await db().query(
    `INSERT INTO tenant_usage_days (tenant_id, day, meeting_minutes, participant_minutes, peak_participants) VALUES ($1, $2, 120, 2400, 31)`,
    [tenant.id, DAY],
  )
}, 120_000)

afterAll(async () => {
  // The tenant's usage goes with it.
  if (tenant) await api(`/tenants/${tenant.id}`, 'DELETE')
  await worker?.stop()
})

describe('scaleflare usage', () => {
  const args = () => ['usage', '--tenant', tenant.name, '--from', DAY, '--to', '2026-03-05']

  it('--csv: one line per tenant and day, with a header, for a spreadsheet or billing', async () => {
    const r = await cli([...args(), '--csv'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toBe(
      'tenant,day,meetings_created,meeting_minutes,participant_minutes,peak_participants,recordings,recording_bytes\r\n' +
        `${tenant.id},${DAY},0,120,2400,31,0,0\r\n` +
        `${tenant.id},2026-03-05,0,0,0,0,0,0\r\n`,
    )
  })

  it('prints a table that says how exact the minutes are; --json is the API answer', async () => {
    const r = await cli(args())
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^TENANT +DAY +MEETINGS CREATED +MEETING MINUTES +PARTICIPANT MINUTES +PEAK PARTICIPANTS +RECORDINGS +RECORDING BYTES\n/)
    expect(r.stdout).toMatch(new RegExp(`${tenant.id} +${DAY} +0 +120 +2400 +31 +0 +0\n`))
    expect(r.stdout).toContain("5-minute samples (exact to about 5 minutes)")
    const json = JSON.parse((await cli([...args(), '--json'])).stdout)
    expect(json).toMatchObject({ from: DAY, to: '2026-03-05', sampleMinutes: 5, days: [{ tenant: tenant.id, day: DAY, meetingMinutes: 120 }, { day: '2026-03-05' }] })
  })

  it('a reversed range is the balancer\'s 400, said in one line; an unknown tenant is not found', async () => {
    const reversed = await cli(['usage', '--from', '2026-03-05', '--to', DAY])
    expect(reversed.code).toBe(1)
    expect(reversed.stderr).toMatch(/from must not be after to/)
    expect((await cli(['usage', '--tenant', 'no-such-tenant'])).code).toBe(1)
  })
})
