// Starts one private stack (Postgres, Redis, bridges, migrations) and 5 simulated BBB nodes for the
// whole `vitest run`, provides their endpoints as `inject('stack')`, and stops everything afterwards.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { isAlive } from '../../scripts/stack/proc.js'
import { removeStackDir, startPrivateStack } from '../../scripts/stack/stack.js'
import { startSimulator } from './bbb-sim/simulator.js'
import { startCallbackReceiver } from './callbacks-receiver.js'
import type { TestStack } from './stack-context.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await sweepKilledRuns()
  const dir = path.resolve('.local', `test-${process.pid}`)
  // Never the DATABASE_URL/REDIS_URL of the shell: tests create and drop data freely.
  const stack = await startPrivateStack(dir)
  const simulator = await startSimulator({ nodes: 5 }).catch(async (error: unknown) => {
    await stack.stop()
    throw error
  })
  const receiver = await startCallbackReceiver().catch(async (error: unknown) => {
    await simulator.stop()
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
    callbackReceiver: { url: receiver.url },
  }
  project.provide('stack', provided)
  return async () => {
    await receiver.stop()
    await simulator.stop()
    await stack.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A run killed with SIGKILL cannot stop its servers; the next run does, and removes its directory. */
async function sweepKilledRuns(): Promise<void> {
  const local = path.resolve('.local')
  if (!existsSync(local)) return
  for (const name of readdirSync(local)) {
    const pid = Number(/^test-(\d+)$/.exec(name)?.[1])
    if (!pid || isAlive(pid)) continue
    await removeStackDir(path.join(local, name))
  }
}
