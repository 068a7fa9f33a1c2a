import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { choosePort, waitFor } from '../stack/net.js'
import { onProcessExit, stopLeftover, terminate } from '../stack/proc.js'

export interface WranglerDev {
  url: string
  /** Resolves with the exit code when wrangler stops on its own (crash, or `x` typed into it). */
  exited: Promise<number>
  /** Resolves with the first HTTP status the Worker answers `probePath` with. */
  ready(probePath: string, timeoutMs: number): Promise<number>
  stop(): Promise<void>
}

/**
 * `wrangler dev` from node_modules (never npx: killing `npm exec` leaves wrangler running), in its
 * own process group so stop() takes its node, workerd and esbuild processes down together.
 */
export async function startWranglerDev(options: { port: number; pidFile: string }): Promise<WranglerDev> {
  await stopLeftover(options.pidFile, 'wrangler', true)
  const port = await choosePort(options.port, 'wrangler dev')
  const child = spawn('./node_modules/.bin/wrangler', ['dev', '--test-scheduled', '--ip', '127.0.0.1', '--port', String(port)], {
    // No stdin: in its own process group wrangler must not read the terminal (its hotkeys are off then).
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
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
    async stop() {
      forget()
      await terminate(-pid)
      rmSync(options.pidFile, { force: true })
    },
  }
}
