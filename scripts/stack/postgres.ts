import { createHash, randomBytes } from 'node:crypto'
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
  /** A test or bench stack: stop() also removes a cluster kept outside `dir` (see clusterHome). */
  throwaway?: boolean
}

export interface PostgresHandle {
  /** postgres://user:password@127.0.0.1:port/db */
  url: string
  kind: 'postgres' | 'pglite' | 'external'
  /** Where the data lives: `dir`, or a private directory outside it (see clusterHome). */
  dataDir?: string
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
  await stopLeftoverPostgres(dir, options.fresh ? 'immediate' : 'fast')
  if (options.fresh) removePostgresData(dir)
  const home = await clusterHome(dir)
  const cluster = new Cluster(bin, home)
  await cluster.prepare()
  const port = await choosePort(options.port, 'postgres')
  await cluster.start(port)
  const forget = onProcessExit(() => cluster.signalFastShutdown())
  const stop = async () => {
    forget()
    await cluster.stop()
    if (options.throwaway && home !== dir) rmSync(home, { recursive: true, force: true })
  }
  const url = `postgres://postgres:${cluster.password}@127.0.0.1:${port}/${DATABASE}`
  try {
    await createDatabase(url)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, kind: 'postgres', dataDir: cluster.data, stop }
}

/** Stops a cluster that a killed run left for `dir` (in it or outside it); no-op without binaries or cluster. */
export async function stopLeftoverPostgres(dir: string, mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
  const bin = findPostgresBin()
  if (!bin) return
  const resolved = path.resolve(dir)
  for (const home of [resolved, outsideHome(resolved)]) await new Cluster(bin, home).stopIfRunning(mode)
}

/** Deletes the cluster of `dir` wherever it lives (stop it first). */
export function removePostgresData(dir: string): void {
  const resolved = path.resolve(dir)
  for (const home of [resolved, outsideHome(resolved)]) rmSync(home, { recursive: true, force: true })
}

// Root runs the cluster as `postgres`, who cannot reach a checkout under a private directory (root's
// home, `mktemp -d`). Its cluster then lives in a directory of its own outside the checkout, keyed by
// the checkout's path so every start finds it again. /var/tmp (kept across reboots), not
// os.tmpdir(): TMPDIR may itself be private.
const OUTSIDE_ROOT = existsSync('/var/tmp') ? '/var/tmp' : '/tmp'
const OUTSIDE_PREFIX = 'scaleflare-pg-'

function outsideHome(dir: string): string {
  return path.join(OUTSIDE_ROOT, OUTSIDE_PREFIX + createHash('sha256').update(dir).digest('hex').slice(0, 16))
}

/** `dir` itself when the cluster's user can write there, else a private directory outside (root only). */
async function clusterHome(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true })
  if (!isRoot) return dir
  await sweepOrphans()
  const owner = await postgresIds()
  chownSync(dir, owner.uid, owner.gid)
  if (await run('test', ['-w', dir], { asPostgres: true }).then(() => true, () => false)) return dir
  const home = outsideHome(dir)
  // World-writable /var/tmp: anything there we did not make for postgres alone is replaced.
  const stat = existsSync(home) ? lstatSync(home) : undefined
  if (stat && (!stat.isDirectory() || stat.uid !== owner.uid || (stat.mode & 0o077) !== 0)) rmSync(home, { recursive: true, force: true })
  if (!existsSync(home)) {
    mkdirSync(home, { mode: 0o700 })
    chownSync(home, owner.uid, owner.gid)
  }
  // Lets sweepOrphans find clusters whose checkout is gone.
  writeFileSync(path.join(home, 'checkout'), dir + '\n')
  return home
}

/** Clusters kept outside a checkout that no longer exists (a deleted clone or temporary test directory). */
async function sweepOrphans(): Promise<void> {
  const bin = findPostgresBin()
  for (const name of readdirSync(OUTSIDE_ROOT)) {
    if (!name.startsWith(OUTSIDE_PREFIX)) continue
    const home = path.join(OUTSIDE_ROOT, name)
    let checkout: string
    try {
      checkout = readFileSync(path.join(home, 'checkout'), 'utf8').trim()
    } catch {
      continue
    }
    if (existsSync(checkout)) continue
    if (bin) await new Cluster(bin, home).stopIfRunning('immediate').catch(() => {})
    rmSync(home, { recursive: true, force: true })
  }
}

let postgresUser: Promise<{ uid: number; gid: number }> | undefined
function postgresIds(): Promise<{ uid: number; gid: number }> {
  postgresUser ??= Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).then(([uid, gid]) => ({ uid: Number(uid.trim()), gid: Number(gid.trim()) }))
  return postgresUser
}

/** A private cluster in `<home>/data`, owned by the `postgres` user when we run as root. */
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
    if (!existsSync(this.passwordFile)) writeFileSync(this.passwordFile, randomBytes(18).toString('hex') + '\n', { mode: 0o600 })
    if (isRoot) {
      const { uid, gid } = await postgresIds()
      chownSync(this.passwordFile, uid, gid)
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
