import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { choosePort, waitFor } from './net.js'
import { findOnPath, onProcessExit, stopLeftover, terminate } from './proc.js'

export interface RedisOptions {
  dir: string
  /** 0 picks a free port. */
  port: number
  /** Wipe `dir` first. */
  fresh?: boolean
  /** Use REDIS_URL when set (default true); tests pass false to stay private. */
  honourEnv?: boolean
}

export interface RedisHandle {
  /** redis://127.0.0.1:port */
  url: string
  kind: 'redis' | 'external'
  stop(): Promise<void>
}

export const REDIS_MISSING =
  'redis-server not found: install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)'

export async function startRedis(options: RedisOptions): Promise<RedisHandle> {
  const external = options.honourEnv === false ? undefined : process.env.REDIS_URL
  if (external) return { url: external, kind: 'external', stop: async () => {} }

  const bin = findOnPath('redis-server')
  if (!bin) throw new Error(REDIS_MISSING)
  const dir = path.resolve(options.dir)
  await stopLeftoverRedis(dir)
  if (options.fresh) rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const port = await choosePort(options.port, 'redis')
  const pidFile = path.join(dir, 'redis.pid')
  const logFile = path.join(dir, 'redis.log')
  // Append-only persistence, so a second `npm run dev` finds yesterday's meetings.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '']
  args.push('--pidfile', pidFile, '--logfile', logFile, '--daemonize', 'no')
  // Detached: Ctrl-C must reach only the stack, which then stops everything in order.
  const child = spawn(bin, args, { stdio: 'ignore', detached: true })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('error', () => {})
  const pid = child.pid
  const forget = onProcessExit(() => child.kill('SIGTERM'))
  const stop = async () => {
    forget()
    if (child.exitCode === null && pid !== undefined) await terminate(pid)
    await exited
  }
  try {
    await waitFor(
      'redis-server',
      async () => {
        if (child.exitCode !== null || pid === undefined) throw new Error(`redis-server exited: ${logTail(logFile)}`)
        return (await ping(port)) ? true : undefined
      },
      10_000,
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `redis://127.0.0.1:${port}`, kind: 'redis', stop }
}

/** Stops a redis-server that a killed run left in `dir` (see startRedis). */
export function stopLeftoverRedis(dir: string): Promise<void> {
  return stopLeftover(path.join(path.resolve(dir), 'redis.pid'), 'redis-server')
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setTimeout(1000, () => socket.destroy())
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (reply) => {
      socket.destroy()
      resolve(reply.toString().startsWith('+PONG'))
    })
    socket.once('close', () => resolve(false))
    socket.once('error', () => resolve(false))
  })
}

function logTail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-3).join('\n') : '(no log)'
}
