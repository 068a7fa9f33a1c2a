import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { choosePort } from './net.js'
import { startPglite } from './pglite.js'
import { findOnPath, isRoot, onProcessExit, run } from './proc.js'

export interface PostgresOptions {
  dir: string
  /** 0 picks a free port. */
  port: number
  /** Wipe `dir` first. */
  fresh?: boolean
  /** Force the embedded fallback even when Postgres binaries exist. */
  engine?: 'postgres' | 'pglite'
  /** Use DATABASE_URL when set (default true); tests pass false to stay private. */
  honourEnv?: boolean
}

export interface PostgresHandle {
  /** postgres://user:password@127.0.0.1:port/db */
  url: string
  kind: 'postgres' | 'pglite' | 'external'
  stop(): Promise<void>
}

export const DATABASE = 'scaleflare'

/** Debian/Ubuntu keep the server binaries off PATH, one directory per major version; prefer the newest. */
function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const bin = path.join(root, version, 'bin')
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin
  }
  const pgCtl = findOnPath('pg_ctl')
  return pgCtl && existsSync(path.join(path.dirname(pgCtl), 'initdb')) ? path.dirname(pgCtl) : undefined
}

/** A client tool of the installed Postgres (pg_dump, pg_restore), matching the server the stack runs. */
export function postgresTool(name: string): string | undefined {
  const bin = findPostgresBin()
  return bin && existsSync(path.join(bin, name)) ? path.join(bin, name) : findOnPath(name)
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const external = options.honourEnv === false ? undefined : process.env.DATABASE_URL
  if (external) return { url: external, kind: 'external', stop: async () => {} }

  const dir = path.resolve(options.dir)
  const bin = options.engine === 'pglite' ? undefined : findPostgresBin()
  if (!bin) {
    if (options.engine !== 'pglite') console.log(`Postgres binaries not found (apt-get install postgresql for a real server); using embedded PGlite in ${dir}/pglite`)
    return startPglite({ dir, port: options.port, fresh: options.fresh ?? false })
  }
  const cluster = new Cluster(bin, dir)
  await cluster.stopIfRunning(options.fresh ? 'immediate' : 'fast')
  if (options.fresh) rmSync(dir, { recursive: true, force: true })
  await cluster.prepare()
  const port = await choosePort(options.port, 'postgres')
  await cluster.start(port)
  const forget = onProcessExit(() => cluster.signalFastShutdown())
  const stop = async () => {
    forget()
    await cluster.stop()
  }
  const url = `postgres://postgres:${cluster.password}@127.0.0.1:${port}/${DATABASE}`
  try {
    await createDatabase(url)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, kind: 'postgres', stop }
}

/** Stops a cluster that a killed run left in `dir` (see startPostgres); no-op without binaries or cluster. */
export async function stopLeftoverPostgres(dir: string): Promise<void> {
  const bin = findPostgresBin()
  if (bin) await new Cluster(bin, path.resolve(dir)).stopIfRunning('immediate')
}

/** A private cluster in `<dir>/data`, owned by the `postgres` user when we run as root. */
class Cluster {
  readonly data: string
  private readonly passwordFile: string

  constructor(
    private readonly bin: string,
    private readonly dir: string,
  ) {
    this.data = path.join(dir, 'data')
    this.passwordFile = path.join(dir, 'password')
  }

  get password(): string {
    return readFileSync(this.passwordFile, 'utf8').trim()
  }

  private pgCtl(args: string[], detached = false): Promise<string> {
    return run(path.join(this.bin, 'pg_ctl'), ['-D', this.data, ...args], { asPostgres: true, detached })
  }

  private running(): Promise<boolean> {
    return existsSync(this.data) ? this.pgCtl(['status']).then(() => true, () => false) : Promise.resolve(false)
  }

  /** A run killed with SIGKILL leaves its server up; stop it so it can restart with our options. */
  async stopIfRunning(mode: 'fast' | 'immediate'): Promise<void> {
    if (!(await this.running())) return
    console.warn(`stopping a Postgres left running in ${this.data}`)
    await this.pgCtl(['stop', '-m', mode, '-w'])
  }

  async prepare(): Promise<void> {
    mkdirSync(this.dir, { recursive: true })
    if (!existsSync(this.passwordFile)) writeFileSync(this.passwordFile, randomBytes(18).toString('hex') + '\n', { mode: 0o600 })
    if (isRoot) {
      const uid = Number((await run('id', ['-u', 'postgres'])).trim())
      const gid = Number((await run('id', ['-g', 'postgres'])).trim())
      chownSync(this.dir, uid, gid)
      chownSync(this.passwordFile, uid, gid)
      await run('test', ['-w', this.dir], { asPostgres: true }).catch(() => {
        throw new Error(`the postgres user cannot write to ${this.dir}: put the stack directory somewhere every user can reach`)
      })
    }
    if (existsSync(path.join(this.data, 'PG_VERSION'))) return
    await run(
      path.join(this.bin, 'initdb'),
      ['-D', this.data, '-U', 'postgres', `--pwfile=${this.passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { asPostgres: true },
    )
  }

  async start(port: number): Promise<void> {
    const quotedDir = `'${this.dir.replaceAll("'", `'\\''`)}'`
    // Durability is worthless for a throwaway dev/test cluster; speed is not.
    const serverOptions = `-p ${port} -k ${quotedDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
    const log = path.join(this.dir, 'postgres.log')
    await this.pgCtl(['-l', log, '-w', '-t', '30', '-o', serverOptions, 'start'], true).catch((error: Error) => {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : ''
      throw new Error(`${error.message}\n${tail}`)
    })
  }

  /** For process exit, when there is no time to wait: SIGINT asks the postmaster for a fast shutdown. */
  signalFastShutdown(): void {
    const pid = Number.parseInt(readFileSync(path.join(this.data, 'postmaster.pid'), 'utf8'), 10)
    if (pid > 0) process.kill(pid, 'SIGINT')
  }

  async stop(): Promise<void> {
    await this.pgCtl(['stop', '-m', 'fast', '-w']).catch(async (error: unknown) => {
      if (await this.running()) throw error
    })
  }
}

async function createDatabase(url: string): Promise<void> {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`)
  } finally {
    await client.end()
  }
}
