// Starts one private stack (Postgres, Redis, bridges, migrations) and 5 simulated BBB nodes for the
// whole `vitest run`, provides their endpoints as `inject('stack')`, and stops everything afterwards.
import { rmSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startStack } from '../../scripts/stack/stack.js'
import { startSimulator } from './bbb-sim/simulator.js'
import type { TestStack } from './stack-context.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = path.resolve('.local', `test-${process.pid}`)
  // Never the DATABASE_URL/REDIS_URL of the shell: tests create and drop data freely.
  const ports = { postgres: 0, redis: 0, neonWs: 0, neonHttp: 0, upstash: 0 }
  const stack = await startStack({ dir, fresh: true, ports, honourEnv: false })
  const simulator = await startSimulator({ nodes: 5 }).catch(async (error: unknown) => {
    await stack.stop()
    throw error
  })
  const provided: TestStack = {
    endpoints: stack.endpoints,
    counters: stack.counters,
    simulator: {
      controlUrl: simulator.controlUrl,
      nodes: simulator.nodes.map(({ id, url, secret, port }) => ({ id, url, secret, port })),
    },
  }
  project.provide('stack', provided)
  return async () => {
    await simulator.stop()
    await stack.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
