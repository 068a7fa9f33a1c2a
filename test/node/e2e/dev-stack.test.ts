// The acceptance scenario, end to end against `npm run dev` (wrangler dev, the real
// Worker, real Postgres and Redis): with only Scalelite's admin API and a standard BBB client
// (bigbluebutton-js), add three nodes, enable them, trigger a poll, and check that meetings spread
// and stay pinned, joins redirect to the right node with a valid checksum, a cordoned node gets
// no new meeting while its meetings stay joinable, and errors come in BBB's shape.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import bbb from 'bigbluebutton-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const STATE = path.join(ROOT, '.local', `e2e-${process.pid}`)
const LB = 'http://127.0.0.1:8787'

let dev: ChildProcess
let sim: Simulator
let secret: string
let output = ''

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
  const started = performance.now()
  dev = spawn('npm', ['run', 'dev'], { cwd: ROOT, env: { ...process.env, SCALEFLARE_STATE_DIR: STATE }, detached: true })
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
  await waitFor(async () => (await fetch(`${LB}/bigbluebutton/api`)).ok, 60_000, 'npm run dev to serve the API')
  console.log(`npm run dev served the API after ${((performance.now() - started) / 1000).toFixed(1)} s`)
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

describe('npm run dev, driven by an admin script and a standard BBB client', () => {
  it('spreads, pins, redirects, cordons and answers errors as BBB', async () => {
    const api = bbb.api(`${LB}/bigbluebutton`, secret)
    const ids: string[] = []
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
    const owner = before.findIndex((m) => m.includes('e2e-0'))
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
    const wrong = await bbb.http(bbb.api(`${LB}/bigbluebutton`, 'wrong-secret').monitoring.getMeetings())
    expect(wrong).toMatchObject({ returncode: 'FAILED', messageKey: 'checksumError' })
    expect(await bbb.http(api.monitoring.getMeetingInfo('nope'))).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' })
    expect(await bbb.http(api.administration.end('nope', 'mp'))).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' })

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
