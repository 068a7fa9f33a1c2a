import { spawn } from 'node:child_process'
import { accessSync, constants, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'

export const isRoot = process.getuid?.() === 0

export interface RunOptions {
  /** Postgres refuses to run as root, so its tools run as the `postgres` user then. */
  asPostgres?: boolean
  /** A new session, so the server it forks does not get the terminal's Ctrl-C before we stop it in order. */
  detached?: boolean
}

/** Runs a command to completion and returns its stdout; rejects with its output on a non-zero exit. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<string> {
  const [file, argv] = options.asPostgres && isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => {
      if (code === 0) resolve(out)
      else reject(Object.assign(new Error(`${path.basename(cmd)} exited with ${code}: ${(err || out).trim()}`), { exitCode: code }))
    })
  })
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this PATH entry
    }
  }
  return undefined
}

/** Whether a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; a negative pid addresses a whole process group. Resolves once nothing is left. */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig)
    } catch {
      // already gone
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + graceMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      signal('SIGKILL')
      if (Date.now() > deadline + 2000) throw new Error(`process ${pid} survived SIGKILL`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * A previous run killed with SIGKILL leaves its detached servers behind; stop the one recorded in `pidFile`,
 * but only if that pid still runs `expected` (pids get reused).
 */
export async function stopLeftover(pidFile: string, expected: string, group = false): Promise<void> {
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10)
  } catch {
    return
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const command = await run('ps', ['-p', String(pid), '-o', 'command=']).catch(() => '')
    if (command.includes(expected)) {
      console.warn(`stopping ${expected} (pid ${pid}) left over from a previous run`)
      await terminate(group ? -pid : pid)
    }
  }
  rmSync(pidFile, { force: true })
}

/**
 * Runs `hook` synchronously if this process exits (process.exit(), or vitest's own Ctrl-C handler)
 * before the returned function is called: our servers are detached and would outlive us otherwise.
 */
export function onProcessExit(hook: () => void): () => void {
  const run = () => {
    try {
      hook()
    } catch {
      // exiting anyway
    }
  }
  process.once('exit', run)
  return () => process.off('exit', run)
}
