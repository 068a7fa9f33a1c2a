// The acceptance scenario, end to end against `npm run dev` (wrangler dev, the real
// Worker, real Postgres and Redis): with only Scalelite's admin API and a standard BBB client
// (bigbluebutton-js), add three nodes, enable them, trigger a poll, and check that meetings spread
// and stay pinned, joins redirect to the right node with a valid checksum, a cordoned node gets
// no new meeting while its meetings stay joinable, and errors come in BBB's shape. The stack runs
// with settings from its environment (multitenancy: the BBB API is called as tenant e2e.lb.test),
// prints only its banner and one line per request, and one node streaming 50 MB stalls no one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import dns from 'node:dns'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import bbb from 'bigbluebutton-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IngestClient } from '../../../scripts/recordings/ingest-client'
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator'
import { startCallbackReceiver } from '../../support/callbacks-receiver'
import { recordingFixture } from '../../support/recordings-ingest-fixture'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const STATE = path.join(ROOT, '.local', `e2e-${process.pid}`)
const LB = 'http://127.0.0.1:8787'
// The BBB API as tenant "e2e" (MULTITENANCY_ENABLED, URL_HOST=lb.test): the tenant is the host's first label.
const TENANT_LB = 'http://e2e.lb.test:8787'
const TENANT_SECRET = 'e2e-tenant-secret-0123456789'
const SETTINGS = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.test', CLUSTER_PROXY_ENABLED: 'true', CALLBACK_ALLOW_PRIVATE_URLS: 'true', METRICS_TOKEN: 't' }

// *.lb.test is 127.0.0.1, for fetch and bigbluebutton-js (axios) alike: both resolve through dns.lookup.
const lookup = dns.lookup
dns.lookup = ((host: string, options: unknown, callback?: unknown) => {
  if (!host.endsWith('.lb.test')) return (lookup as (...args: unknown[]) => void)(host, options, callback)
  const done = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all
  done(null, all ? [{ address: '127.0.0.1', family: 4 }] : '127.0.0.1', 4)
}) as typeof dns.lookup

let dev: ChildProcess
let sim: Simulator
let secret: string
let output = ''
let startOutput = ''
const devVars = path.join(ROOT, '.dev.vars')
const untouched = () => ({ wranglerToml: readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8'), devVars: existsSync(devVars) ? statSync(devVars).mtimeMs : null })
let before: ReturnType<typeof untouched>

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${what}\n${output.slice(-3000)}`)
}

const sign = (action: string, query = '') => createHash('sha256').update(action + query + secret).digest('hex')

async function admin(action: string, body?: unknown): Promise<any> {
  const res = await fetch(`${LB}/scalelite/api/${action}?checksum=${sign(action)}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  })
  return res.json()
}

async function meetingsOn(i: number): Promise<string[]> {
  return sim.node(sim.nodes[i]!.id).meetings().map((m: { meetingID: string }) => m.meetingID)
}

beforeAll(async () => {
  const busy = await fetch(`${LB}/health`).then(() => true, () => false)
  if (busy) throw new Error('port 8787 is in use (is `npm run dev` running?): stop it to run this test')
  sim = await startSimulator({ nodes: 3 })
  before = untouched()
  const started = performance.now()
  dev = spawn('npm', ['run', 'dev'], { cwd: ROOT, env: { ...process.env, ...SETTINGS, SCALEFLARE_STATE_DIR: STATE }, detached: true })
  dev.stdout!.on('data', (d) => (output += d))
  dev.stderr!.on('data', (d) => (output += d))
  // If vitest itself is stopped, the dev stack must not outlive it.
  process.once('exit', () => {
    try {
      if (dev?.pid) process.kill(-dev.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  })
  // Its banner, not a probe of ours: a request would add a line to the output checked below.
  await waitFor(async () => output.includes('Cron poll every'), 60_000, 'npm run dev to print its banner')
  startOutput = output
  console.log(`npm run dev was ready after ${((performance.now() - started) / 1000).toFixed(1)} s`)
  secret = JSON.parse(readFileSync(path.join(STATE, 'stack.json'), 'utf8')).api.secret
}, 90_000)

afterAll(async () => {
  if (dev?.pid) {
    process.kill(-dev.pid, 'SIGTERM')
    await new Promise((r) => dev.once('exit', r))
  }
  await sim?.stop()
  rmSync(STATE, { recursive: true, force: true })
}, 60_000)

let ids: string[] = []
let tenantId: string

describe('npm run dev, driven by an admin script and a standard BBB client', () => {
  it('prints its banner last, then one JSON line per request', async () => {
    const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('> '))
    const start = lines(startOutput)
    expect(start[0]).toMatch(/^Scaleflare dev stack ready/)
    expect(start.at(-1)).toMatch(/^Cron poll every/)
    expect(start.filter((l) => l.startsWith('{') || l.includes('wrangler'))).toEqual([])
    const settings = start.find((l) => l.includes('from the environment:'))!
    for (const name of Object.keys(SETTINGS)) expect(settings).toContain(name)
    expect(settings).not.toContain('lb.test') // names only, never values

    const res = await fetch(`${LB}/bigbluebutton/api`, { headers: { 'X-Request-ID': 'e2e-one-request' } })
    expect(res.status).toBe(200)
    await waitFor(async () => output.includes('e2e-one-request'), 5000, 'the request line')
    await new Promise((r) => setTimeout(r, 300))
    const added = lines(output.slice(startOutput.length))
    expect(added).toHaveLength(1)
    expect(JSON.parse(added[0]!)).toMatchObject({ msg: 'request', requestId: 'e2e-one-request', path: '/bigbluebutton/api', status: 200 })
  })

  it('passes settings from its environment to the Worker and edits no file of the checkout', async () => {
    // Scalelite's admin API exists for tenants only with MULTITENANCY_ENABLED; /metrics only with METRICS_TOKEN.
    expect((await fetch(`${LB}/scalelite/api/getTenants?checksum=${sign('getTenants')}`)).status).toBe(200)
    expect((await fetch(`${LB}/metrics`, { headers: { Authorization: 'Bearer t' } })).status).toBe(200)
    expect((await fetch(`${LB}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).not.toBe(200)
    const added = await admin('addTenant', { tenant: { name: 'e2e', secrets: TENANT_SECRET } })
    expect(added.tenant?.name ?? added.name).toBe('e2e')
    tenantId = added.tenant?.id ?? added.id
    expect(untouched()).toEqual(before)
  })

  it('spreads, pins, redirects, cordons and answers errors as BBB', async () => {
    const api = bbb.api(`${TENANT_LB}/bigbluebutton`, TENANT_SECRET)
    for (const n of sim.nodes) {
      const added = await admin('addServer', { server: { url: n.url, secret: n.secret, tag: 'e2e' } })
      expect(added.state).toBe('disabled')
      ids.push((await admin('updateServer', { id: added.id, server: { state: 'enable' } })).id)
    }
    // The dev stack polls every 10 s too; a poll that finds the lock taken is skipped, so retry.
    await waitFor(
      async () => {
        expect(await (await fetch(`${LB}/__scheduled?cron=*+*+*+*+*`)).text()).toContain('Ran scheduled event')
        const servers = await admin('getServers')
        return servers.filter((s: any) => ids.includes(s.id) && s.online === 'online').length === 3
      },
      20_000,
      'the three nodes to come online',
    )

    // Spread: six new meetings, two per node (each create reserves load on its node).
    for (let i = 0; i < 6; i++) {
      const r = await bbb.http(api.administration.create(`Room ${i}`, `e2e-${i}`, { attendeePW: 'ap', moderatorPW: 'mp', 'meta_server-tag': 'e2e!' }))
      expect(r.returncode).toBe('SUCCESS')
    }
    const before = await Promise.all([0, 1, 2].map(meetingsOn))
    expect(before.map((m) => m.length)).toEqual([2, 2, 2])

    // Pinned: creating again keeps every meeting where it is.
    for (let i = 0; i < 6; i++) {
      const r = await bbb.http(api.administration.create(`Room ${i}`, `e2e-${i}`, { attendeePW: 'ap', moderatorPW: 'mp', 'meta_server-tag': 'e2e!' }))
      expect(r.messageKey).toBe('duplicateWarning')
    }
    expect(await Promise.all([0, 1, 2].map(meetingsOn))).toEqual(before)

    // Joins redirect to the owning node, signed so the node accepts them.
    const res = await fetch(api.administration.join('Ann', 'e2e-0', 'mp'), { redirect: 'manual' })
    expect(res.status).toBe(302)
    const location = res.headers.get('location')!
    // A tenant's meetingIDs are scoped on the nodes (docs/tenants.md).
    const owner = before.findIndex((m) => m.some((id) => id.endsWith('e2e-0')))
    expect(location.startsWith(sim.nodes[owner]!.url)).toBe(true)
    const atNode = await fetch(location, { redirect: 'manual' })
    expect(atNode.status).toBe(302)
    expect(atNode.headers.get('location')).toContain('sessionToken=')

    // Cordon the owner: no new meeting lands there, its meetings stay joinable.
    await admin('updateServer', { id: ids[owner], server: { state: 'cordon' } })
    for (let i = 6; i < 10; i++) await bbb.http(api.administration.create(`Room ${i}`, `e2e-${i}`, { 'meta_server-tag': 'e2e!' }))
    expect((await meetingsOn(owner)).length).toBe(2)
    expect((await fetch(api.administration.join('Ann', 'e2e-0', 'mp'), { redirect: 'manual' })).status).toBe(302)
    expect(await bbb.http(api.monitoring.isMeetingRunning('e2e-0'))).toMatchObject({ returncode: 'SUCCESS' })
    const listed = await bbb.http(api.monitoring.getMeetings())
    expect(listed.meetings.length).toBeGreaterThanOrEqual(10)

    // Errors come back as BBB XML with HTTP 200.
    const wrong = await bbb.http(bbb.api(`${TENANT_LB}/bigbluebutton`, 'wrong-secret').monitoring.getMeetings())
    expect(wrong).toMatchObject({ returncode: 'FAILED', messageKey: 'checksumError' })
    expect(await bbb.http(api.monitoring.getMeetingInfo('nope'))).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' })
    expect(await bbb.http(api.administration.end('nope', 'mp'))).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' })
  }, 60_000)

  it('delivers a recording-ready callback to an LMS on 127.0.0.1 (CALLBACK_ALLOW_PRIVATE_URLS from the environment)', async () => {
    const lms = await startCallbackReceiver()
    try {
      const api = bbb.api(`${TENANT_LB}/bigbluebutton`, TENANT_SECRET)
      const created = await bbb.http(
        api.administration.create('Recorded', 'e2e-rec', { record: 'true', 'meta_server-tag': 'e2e!', 'meta_bbb-recording-ready-url': `${lms.url}/ready` }),
      )
      expect(created.returncode).toBe('SUCCESS')
      const placed = await Promise.all([0, 1, 2].map(meetingsOn))
      const owner = placed.findIndex((m) => m.some((id) => id.endsWith('e2e-rec')))
      const nodeMeetingId = placed[owner]!.find((id) => id.endsWith('e2e-rec'))!
      // The node uploads the recording as its post_publish script would; complete announces it at once.
      const recordId = `${'e2'.repeat(20)}-${Date.now()}`
      const node = new IngestClient({ baseUrl: LB, serverId: ids[owner]!, secret: sim.nodes[owner]!.secret })
      const files = recordingFixture({ recordId, meetingId: nodeMeetingId, videoBytes: 0 })
      await node.uploadRecording(recordId, files.map((f) => ({ ...f, data: new Blob([f.data.slice()]) })))
      const ready = async () => ((await (await fetch(`${lms.url}/__requests`)).json()).requests as { path: string; body: string }[]).filter((r) => r.path === '/ready')
      await waitFor(async () => (await ready()).length === 1, 10_000, 'the recording-ready callback')
      expect((await ready())[0]!.body).toMatch(/^signed_parameters=/)
    } finally {
      await lms.stop()
    }
  }, 60_000)

  it('answers joins and getMeetings within 1 s while one node streams 50 MB', async () => {
    const api = bbb.api(`${TENANT_LB}/bigbluebutton`, TENANT_SECRET)
    const placed = await Promise.all([0, 1, 2].map(meetingsOn))
    const owner = placed.findIndex((m) => m.some((id) => id.endsWith('e2e-0')))
    const huge = sim.nodes[(owner + 1) % 3]!
    await fetch(`${sim.controlUrl}/nodes/${huge.id}/fault`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'huge', call: 'getMeetings', sizeBytes: 50_000_000 }),
    })
    // The poll reads the huge answer while we call the Worker about meetings on the other nodes.
    let polled = false
    const poll = fetch(`${LB}/__scheduled?cron=*+*+*+*+*`).then((r) => r.text()).finally(() => (polled = true))
    const slowest: Record<string, number> = { join: 0, getMeetings: 0, getMeetingInfo: 0 }
    const timed = async (name: string, url: string) => {
      const started = performance.now()
      const res = await fetch(url, { redirect: 'manual' })
      await res.arrayBuffer()
      slowest[name] = Math.max(slowest[name]!, performance.now() - started)
      return res.status
    }
    for (let round = 0; !polled || round < 5; round++) {
      expect(await timed('join', api.administration.join('Bob', 'e2e-0', 'ap'))).toBe(302)
      expect(await timed('getMeetings', api.monitoring.getMeetings())).toBe(200)
      expect(await timed('getMeetingInfo', api.monitoring.getMeetingInfo('e2e-0'))).toBe(200)
    }
    await poll
    await fetch(`${sim.controlUrl}/nodes/${huge.id}/fault`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"none"}' })
    expect(sim.node(huge.id).callLog().counts.getMeetings).toBeGreaterThan(0)
    console.log(`slowest answers while a node streamed 50 MB (ms): ${JSON.stringify(Object.fromEntries(Object.entries(slowest).map(([k, v]) => [k, Math.round(v)])))}`)
    for (const ms of Object.values(slowest)) expect(ms).toBeLessThan(1000)

    for (const id of ids) await admin('deleteServer', { id })
  }, 60_000)

  it('leaves no process behind on SIGTERM', async () => {
    process.kill(-dev.pid!, 'SIGTERM')
    await new Promise((r) => dev.once('exit', r))
    const left = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(STATE) || /wrangler(\.js)? dev/.test(l) || /redis-server .*:26379|postgres .*25432/.test(l))
    expect(left).toEqual([])
    await expect(fetch(`${LB}/health`)).rejects.toThrow()
    dev = undefined as unknown as ChildProcess
  }, 60_000)
})
