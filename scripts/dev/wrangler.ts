import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { choosePort, waitFor } from '../stack/net.js'
import { onProcessExit, stopLeftover, terminate } from '../stack/proc.js'
import { WranglerOutput } from './wrangler-output.js'

export interface WranglerDev {
  url: string
  /** Resolves with the exit code when wrangler stops on its own (crash, or `x` typed into it). */
  exited: Promise<number>
  /** Resolves with the first HTTP status the Worker answers `probePath` with. */
  ready(probePath: string, timeoutMs: number): Promise<number>
  /** Resolves once wrangler printed nothing for `ms` (at most `maxMs`), then shows the Worker's info lines. */
  started(ms: number, maxMs: number): Promise<void>
  stop(): Promise<void>
}

export interface WranglerDevOptions {
  port: number
  pidFile: string
  /** The Worker's settings and secrets (dotenv format), instead of the checkout's .dev.vars. */
  envFile: string
  /** Keep wrangler's inspector (DevTools); it forwards what the Worker does to Node and slows every request. */
  inspector?: boolean
}

/**
 * `wrangler dev` from node_modules (never npx: killing `npm exec` leaves wrangler running), in its
 * own process group so stop() takes its node, workerd and esbuild processes down together.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  await stopLeftover(options.pidFile, 'wrangler', true)
  const port = await choosePort(options.port, 'wrangler dev')
  const args = ['dev', '--test-scheduled', '--ip', '127.0.0.1', '--port', String(port), '--env-file', options.envFile]
  const child = spawn('./node_modules/.bin/wrangler', args, {
    // No stdin: in its own process group wrangler must not read the terminal (its hotkeys are off then).
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      FORCE_COLOR: '0',
      // wrangler 4.86 has no switch for its inspector but skips it inside VS Code's debug terminal,
      // which it detects by this variable. The inspector makes Node forward every chunk the Worker
      // reads: one node's 50 MB answer then stalled every other request for seconds.
      ...(options.inspector ? {} : { VSCODE_INSPECTOR_OPTIONS: 'scaleflare-dev' }),
    },
  })
  const output = new WranglerOutput()
  let lastOutput = performance.now()
  const relay = (from: Readable, to: Writable) =>
    createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
      lastOutput = performance.now()
      const shown = output.filter(line)
      if (shown !== undefined) to.write(shown + '\n')
    })
  relay(child.stdout, process.stdout)
  relay(child.stderr, process.stderr)
  const pid = child.pid
  if (pid === undefined) throw new Error('could not start ./node_modules/.bin/wrangler (run npm ci first)')
  writeFileSync(options.pidFile, String(pid))
  const forget = onProcessExit(() => process.kill(-pid, 'SIGTERM'))
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)))
  const url = `http://127.0.0.1:${port}`

  return {
    url,
    exited,
    ready: (probePath, timeoutMs) =>
      waitFor(
        'wrangler dev to answer',
        async () => {
          if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`)
          return fetch(url + probePath).then(
            async (res) => (await res.arrayBuffer(), res.status),
            () => undefined,
          )
        },
        timeoutMs,
      ),
    async started(ms, maxMs) {
      const until = performance.now() + maxMs
      while (performance.now() - lastOutput < ms && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
      output.started()
    },
    async stop() {
      forget()
      await terminate(-pid)
      rmSync(options.pidFile, { force: true })
    },
  }
}
