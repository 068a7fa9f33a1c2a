/**
 * `scaleflare servers drain` against the real Worker in workerd, the test stack's Postgres and
 * Redis and a simulated node holding meetings: it cordons, waits while a meeting runs, a recording
 * is processing and one is pending upload, is done once the poll disabled the node empty and both
 * are indexed, and a timeout exits 1 naming what is left; and, through the simulated recording
 * pipeline (the node's hooks), it waits for a recording from the end of its meeting to its publishing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { claimRecording } from '../../../src/store/recording-index'
import { reportProcessing } from '../../../src/store/recording-processing'
import { DEFAULT_TENANT } from '../../../src/tenancy/tenant'
import { LB_SECRET, startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker'
import { call, signed } from '../bbb-sim/helpers'
import { adminApi, db, removeAllServers, scaleflare, simPost } from './pool-setup'

const TOKEN = 'drain-test-admin-token-0123456789'
const { simulator } = inject('stack')
const node = simulator.nodes[0]!

let worker: IngestWorker
let serverId: string

const cli = scaleflare(() => worker.base, TOKEN, { hidden: [LB_SECRET] })
const api = adminApi(() => worker.base, TOKEN)
const sim = (p: string, body?: unknown) => simPost(simulator.controlUrl, p, body)

/** The cron's work while a drain waits: a poll every half second until `done` settles. */
async function pollingWhile<T>(done: Promise<T>): Promise<T> {
  let settled = false
  const polls = (async () => {
    while (!settled) {
      await api('/poll', 'POST')
      await new Promise((r) => setTimeout(r, 500))
    }
  })()
  try {
    return await done
  } finally {
    settled = true
    await polls
  }
}

beforeAll(async () => {
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN })
  await removeAllServers(api, simulator.controlUrl)
  serverId = (await api('/servers', 'POST', { url: node.url, secret: node.secret, state: 'enabled' })).id
}, 120_000)

afterAll(async () => {
  if (worker) await removeAllServers(api, simulator.controlUrl)
  await worker?.stop()
}, 60_000)

describe('scaleflare servers drain', { timeout: 90_000 }, () => {
  it('without --wait cordons and prints the progress; a timeout exits 1 naming what is left', async () => {
    await sim(`/nodes/${node.id}/seed`, { meetings: 2 })
    await api('/poll', 'POST')
    const r = await cli(['servers', 'drain', serverId])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Draining .* cordoned {2}meetings 2 {2}processing 0 {2}pending upload 0; left: 2 meeting\(s\) \(last poll\)\n$/)
    expect(await api(`/servers/${serverId}/drain`)).toEqual({ state: 'cordoned', meetings: 2, processing: 0, processingRecordIds: [], pendingUpload: 0, pendingRecordIds: [], done: false })

    const timedOut = await cli(['servers', 'drain', serverId, '--wait', '--timeout', '1', '--interval', '0.2'])
    expect(timedOut.code).toBe(1)
    expect(timedOut.stderr).toBe(`scaleflare: Server ${node.url} not drained after 1 s: 2 meeting(s) (last poll)\n`)
    expect(await cli(['servers', 'drain', serverId, '--remove'])).toMatchObject({ code: 2 })
  })

  it('--wait follows the meetings, a recording processing and one pending upload, then the node is disabled; --remove removes it', async () => {
    const sql = db()
    const recordId = `drain-pending-${Date.now()}`
    const processingId = `drain-processing-${Date.now()}`
    const report = { tenant: DEFAULT_TENANT, serverId, meetingId: 'drained', name: 'Drained', formats: ['presentation'], processedFormat: null, metadata: {}, startTime: null }
    expect(await reportProcessing(sql, { ...report, recordId: processingId, state: 'processing', meetingEndedAt: new Date() })).toBe('recorded')
    expect(await claimRecording(sql, { tenant: DEFAULT_TENANT, recordId, serverId })).toMatchObject({ kind: 'owned' })
    const meetings: any[] = (await (await fetch(`${simulator.controlUrl}/nodes/${node.id}/meetings`)).json()).meetings
    const drain = cli(['servers', 'drain', serverId, '--wait', '--timeout', '60', '--interval', '0.2', '--remove'])
    const r = await pollingWhile(
      (async () => {
        // The meetings end on the node one by one; the upload is still pending when they are gone.
        for (const m of meetings) {
          await new Promise((res) => setTimeout(res, 1000))
          await sim(`/nodes/${node.id}/meetings/${encodeURIComponent(m.meetingID)}/end`)
        }
        await expect.poll(async () => (await api(`/servers/${serverId}/drain`)).state, { timeout: 10_000 }).toBe('disabled')
        expect(await api(`/servers/${serverId}/drain`)).toMatchObject({ meetings: 0, processing: 1, processingRecordIds: [processingId], pendingUpload: 1, pendingRecordIds: [recordId], done: false })
        // Time for the CLI (every 0.2 s) to print this state before it changes: a busy machine is slow.
        await new Promise((res) => setTimeout(res, 1500))
        // What `complete` does once each is indexed.
        await sql.query('DELETE FROM recording_processing WHERE record_id = $1', [processingId])
        await new Promise((res) => setTimeout(res, 1500))
        await sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [recordId])
        return drain
      })(),
    )
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/ cordoned {2}meetings 2 {2}processing 1 {2}pending upload 1$/)
    expect(lines).toContainEqual(expect.stringMatching(/ cordoned {2}meetings 1 {2}processing 1 {2}pending upload 1$/))
    expect(lines).toContainEqual(expect.stringMatching(/ disabled {2}meetings 0 {2}processing 1 {2}pending upload 1$/))
    expect(lines).toContainEqual(expect.stringMatching(/ disabled {2}meetings 0 {2}processing 0 {2}pending upload 1$/))
    expect(lines.at(-2)).toMatch(/ disabled {2}meetings 0 {2}processing 0 {2}pending upload 0 {2}done$/)
    expect(lines.at(-1)).toBe(`Drained ${node.url}; removed it (${serverId})`)
    expect((await api('/servers')).servers).toEqual([])
  })

  it('--wait waits for a recording the node is processing, through the simulated pipeline, until it is published', async () => {
    await removeAllServers(api, simulator.controlUrl)
    serverId = (await api('/servers', 'POST', { url: node.url, secret: node.secret, state: 'enabled' })).id
    const meetingID = `drain-rec-${Date.now()}`
    const created = await call(signed(node, 'create', new URLSearchParams({ meetingID, name: 'Recorded class', record: 'true' }).toString()))
    const recordID = created.internalMeetingID as string
    await api('/poll', 'POST')
    // What the node's post_archive, post_process and post_publish hooks do.
    const pipeline = (step: string) => sim(`/nodes/${node.id}/recordings/${recordID}/${step}`, { url: worker.base, serverId })
    const drain = cli(['servers', 'drain', serverId, '--wait', '--timeout', '60', '--interval', '0.2'])
    const r = await pollingWhile(
      (async () => {
        await sim(`/nodes/${node.id}/meetings/${encodeURIComponent(meetingID)}/end`)
        await pipeline('archive')
        await expect.poll(async () => (await api(`/servers/${serverId}/drain`)).state, { timeout: 10_000 }).toBe('disabled')
        expect(await api(`/servers/${serverId}/drain`)).toMatchObject({ meetings: 0, processing: 1, processingRecordIds: [recordID], done: false })
        await pipeline('process')
        await pipeline('publish')
        return drain
      })(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/ (cordoned|disabled) {2}meetings 0 {2}processing 1 {2}pending upload 0\n/)
    expect(r.stdout).toMatch(/ disabled {2}meetings 0 {2}processing 0 {2}pending upload 0 {2}done\nDrained .*: it is disabled\n$/)
  })
})
