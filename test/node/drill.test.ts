// `npm run drill` as an operator runs it: the whole recovery drill must pass, print each step's
// time and the RTO/RPO table, and leave nothing running or on disk. Keeping it in the suite keeps
// docs/recovery-drill.md true.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')
const runs = () => (existsSync(path.join(ROOT, '.local', 'drill')) ? readdirSync(path.join(ROOT, '.local', 'drill')) : [])

it('npm run drill passes and reports timings and RTO/RPO per class of state', async () => {
  const before = new Set(runs())
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/drill.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  const report = output.split('\n').filter((line) => !line.includes('[worker]')).join('\n')
  expect(code, report).toBe(0)
  expect(report).toMatch(/DRILL PASSED in \d+\.\d\d s/)
  for (const step of ['pg_dump', 'pg_restore the dump', 'first poll rebuilds the live routes', 'every recording plays back, byte for byte', 'node secret', "the next release's migration", 'the next version takes 10 %', 'the next version takes every request', 'rolled back (wrangler rollback)', 'drain (servers drain --wait)', 'upgrade: the node restarts empty', 'health check', 're-admit']) {
    expect(report).toMatch(new RegExp(`ok +${step.replace(/[()]/g, '\\$&')}.* \\d+\\.\\d\\d s`))
  }
  for (const state of ['live routing', 'configuration', 'recording index', 'recording files']) expect(report).toContain(`  ${state}`)
  expect(report).toMatch(/Secret rotation: \d+ calls under rotation, 0 failed\./)
  expect(report).toMatch(/Scaleflare upgrade: migration \d+\.\d\d s, rollout to a share \d+\.\d\d s, to all \d+\.\d\d s, rollback \d+\.\d\d s; \d+ calls under it, 0 failed\./)
  expect(report).toMatch(/Node upgrade: drain \d+\.\d\d s, upgrade \d+\.\d\d s, health check \d+\.\d\d s, re-admit \d+\.\d\d s; \d+ calls under it, 0 failed\./)
  expect(runs().filter((r) => !before.has(r))).toEqual([])
}, 240_000)
