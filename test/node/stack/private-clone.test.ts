// A checkout in a private directory (root's home, `mktemp -d`: mode 0700) must start its stack as
// is, as root too, whose Postgres runs as the `postgres` user who cannot reach into such a directory.
// The checkout is a copy of this work tree sharing its node_modules (npm ci would take minutes).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRoot } from '../../../scripts/stack/proc.js'
import { removeStackDir } from '../../../scripts/stack/stack.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const parent = mkdtempSync(path.join(os.tmpdir(), 'sf-private-'))
const clone = path.join(parent, 'sf')

beforeAll(() => {
  expect(statSync(parent).mode & 0o777).toBe(0o700)
  execFileSync('mkdir', [clone])
  // The work tree as it is (not HEAD), so the test checks the code it runs beside.
  execFileSync('sh', ['-c', `tar -C "$0" -c --exclude=./node_modules --exclude=./.git --exclude=./.local --exclude=./.wrangler --exclude=./.dev.vars . | tar -C "$1" -x`, ROOT, clone])
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'))
  // A repository of its own, so `git status` shows whatever the stack would write into the checkout.
  writeFileSync(path.join(clone, '.git-exclude'), 'node_modules\n')
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'core.excludesFile=.git-exclude', ...args], { cwd: clone, encoding: 'utf8' })
  git('init', '-q')
  git('add', '-A')
  git('commit', '-q', '-m', 'clone')
  gitStatus = () => git('status', '--porcelain')
}, 30_000)

let gitStatus: () => string

afterAll(async () => {
  await removeStackDir(path.join(clone, '.local'))
  rmSync(parent, { recursive: true, force: true })
}, 30_000)

describe('a checkout in a private (0700) directory', () => {
  it('starts the private stack of the tests: Postgres really runs, a query works, nothing is left', async () => {
    const probe = path.join(clone, '.local', 'probe.ts') // .local: gitignored
    mkdirSync(path.dirname(probe), { recursive: true })
    writeFileSync(
      probe,
      `import pg from 'pg'
import { startPrivateStack } from '../scripts/stack/stack.js'
const stack = await startPrivateStack('.local/test-probe')
const client = new pg.Client({ connectionString: stack.endpoints.databaseUrl })
await client.connect()
const { rows } = await client.query('SELECT count(*)::int AS migrations FROM schema_migrations')
await client.end()
await stack.stop()
console.log(JSON.stringify({ kind: stack.postgresKind, data: stack.postgresData, migrations: rows[0].migrations }))
`,
    )
    const out = execFileSync(process.execPath, ['--import', 'tsx', probe], { cwd: clone, encoding: 'utf8', timeout: 60_000 })
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { kind: string; data: string; migrations: number }
    expect(result.kind).toBe('postgres')
    expect(result.migrations).toBeGreaterThan(0)
    if (isRoot) {
      // Outside the clone, where postgres can reach it; a throwaway stack removes it on stop.
      expect(result.data.startsWith(clone)).toBe(false)
      expect(existsSync(path.dirname(result.data))).toBe(false)
    } else {
      expect(result.data.startsWith(clone)).toBe(true)
    }
  }, 90_000)

  it('serves `npm run dev` with settings from its environment, and --fresh and Ctrl-C work; nothing in the checkout changes', async () => {
    const busy = await fetch('http://127.0.0.1:8787/health').then(() => true, () => false)
    if (busy) throw new Error('port 8787 is in use (is `npm run dev` running?): stop it to run this test')
    const start = async (args: string[], settings: Record<string, string> = {}) => {
      let output = ''
      const env = { ...process.env, ...settings, SCALEFLARE_STATE_DIR: '' }
      const dev: ChildProcess = spawn('npm', ['run', 'dev', '--', ...args], { cwd: clone, detached: true, env })
      dev.stdout!.on('data', (d) => (output += d))
      dev.stderr!.on('data', (d) => (output += d))
      const until = Date.now() + 60_000
      while (!output.includes('dev stack ready')) {
        if (Date.now() > until || dev.exitCode !== null) throw new Error(`npm run dev did not get ready:\n${output.slice(-3000)}`)
        await new Promise((r) => setTimeout(r, 200))
      }
      const api = await fetch('http://127.0.0.1:8787/bigbluebutton/api')
      expect(api.status).toBe(200)
      process.kill(-dev.pid!, 'SIGTERM')
      await new Promise((r) => dev.once('exit', r))
      return output
    }
    const first = await start([], { URL_HOST: 'lb.test', CALLBACK_ALLOW_PRIVATE_URLS: 'true' })
    expect(first).toContain('from the environment: URL_HOST, CALLBACK_ALLOW_PRIVATE_URLS')
    expect(gitStatus()).toBe('')
    const data = /data in ([^)\s]+)/.exec(first)?.[1]
    expect(data).toBeDefined()
    if (isRoot) expect(data!.startsWith(clone)).toBe(false)
    writeFileSync(path.join(data!, 'marker'), '') // as root; --fresh must wipe it
    await start(['--fresh'])
    expect(existsSync(path.join(data!, 'marker'))).toBe(false)
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(data!))).toEqual([])
    expect(readFileSync(path.join(clone, '.local', 'stack.json'), 'utf8')).toContain('bigbluebutton/api')
  }, 150_000)
})
