import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { type BridgePorts, startBridges } from './bridges.js'
import { migrate } from './migrations.js'
import { removePostgresData, startPostgres, stopLeftoverPostgres } from './postgres.js'
import { startRedis, stopLeftoverRedis } from './redis.js'

export interface StackPorts extends BridgePorts {
  postgres: number
  redis: number
}

export interface StackOptions {
  /** State directory: Postgres in `<dir>/pg`, Redis in `<dir>/redis`. */
  dir: string
  /** Wipe the data first. */
  fresh?: boolean
  /** 0 = ephemeral for any of them. */
  ports: StackPorts
  migrationsDir?: string
  /** Use DATABASE_URL / REDIS_URL when set (default true); tests pass false to stay private. */
  honourEnv?: boolean
  /** stop() also removes data kept outside `dir` (a test or bench stack whose `dir` its caller deletes). */
  throwaway?: boolean
}

export interface StackEndpoints {
  /** Real credentials and database; host and port of the local Postgres (the bridges map it). */
  databaseUrl: string
  redisUrl: string
  neonWsProxy: string
  neonHttpEndpoint: string
  upstashUrl: string
  upstashToken: string
}

export interface Stack {
  endpoints: StackEndpoints
  /** Base URLs for GET/DELETE `/__counters` of each bridge. */
  counters: { neonWs: string; neonHttp: string; upstash: string }
  /** Which Postgres runs: a private cluster, embedded PGlite, or DATABASE_URL. */
  postgresKind: 'postgres' | 'pglite' | 'external'
  /** The cluster's data directory (in `dir`, or outside it when root's postgres user cannot reach `dir`). */
  postgresData?: string
  stop(): Promise<void>
}

/** A throwaway stack for tests and benchmarks: fresh data, free ports, never DATABASE_URL/REDIS_URL. */
export function startPrivateStack(dir: string): Promise<Stack> {
  return startStack({ dir, fresh: true, ports: { postgres: 0, redis: 0, neonWs: 0, neonHttp: 0, upstash: 0 }, honourEnv: false, throwaway: true })
}

/** Postgres + Redis + the three bridges, migrations applied. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    // Reverse order: bridges before the servers they hold connections to.
    for (const stopOne of stops.reverse().splice(0)) await stopOne().catch((error: Error) => console.error(`stack: ${error.message}`))
  }
  try {
    const { fresh = false, honourEnv, throwaway } = options
    // Both servers start in parallel; wait for both so a failure of one never leaves the other running.
    const [postgres, redis] = await allStarted([
      startPostgres({ dir: path.join(options.dir, 'pg'), port: options.ports.postgres, fresh, honourEnv, throwaway }).then((handle) => (stops.push(handle.stop), handle)),
      startRedis({ dir: path.join(options.dir, 'redis'), port: options.ports.redis, fresh, honourEnv }).then((handle) => (stops.push(handle.stop), handle)),
    ])
    await migrate(postgres.url, options.migrationsDir)
    const upstashToken = randomBytes(16).toString('hex')
    const bridges = await startBridges({ pgUrl: postgres.url, redisUrl: redis.url, ports: options.ports, upstashToken })
    stops.push(bridges.stop)
    return {
      endpoints: {
        databaseUrl: postgres.url,
        redisUrl: redis.url,
        neonWsProxy: bridges.neonWsProxy,
        neonHttpEndpoint: bridges.neonHttpEndpoint,
        upstashUrl: bridges.upstashUrl,
        upstashToken,
      },
      counters: bridges.counters,
      postgresKind: postgres.kind,
      ...(postgres.dataDir ? { postgresData: postgres.dataDir } : {}),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Stops the servers that a run killed with SIGKILL left in a stack directory. */
export async function stopLeftovers(dir: string): Promise<void> {
  await Promise.all([stopLeftoverPostgres(path.join(dir, 'pg')), stopLeftoverRedis(path.join(dir, 'redis'))])
}

/** Stops what a killed run left in a stack directory, then deletes it and any data kept outside it. */
export async function removeStackDir(dir: string): Promise<void> {
  await stopLeftovers(dir)
  removePostgresData(path.join(dir, 'pg'))
  rmSync(dir, { recursive: true, force: true })
}

/** The environment the Worker reads; NEON_* exist only locally and point the Neon driver at the bridges. */
export function workerBindings(endpoints: StackEndpoints) {
  return {
    DATABASE_URL: endpoints.databaseUrl,
    NEON_HTTP_ENDPOINT: endpoints.neonHttpEndpoint,
    NEON_WS_PROXY: endpoints.neonWsProxy,
    UPSTASH_REDIS_REST_URL: endpoints.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: endpoints.upstashToken,
  }
}

async function allStarted<T extends unknown[]>(starting: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(starting)
  const failure = results.find((result) => result.status === 'rejected')
  if (failure) throw failure.reason
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as T
}
