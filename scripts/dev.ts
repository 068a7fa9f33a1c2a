// `npm run dev [-- --fresh] [-- --inspect]`: Postgres, Redis, the Neon/Upstash bridges, 3 simulated BBB
// nodes and `wrangler dev`, wired together; state lives in .local/ (or $SCALEFLARE_STATE_DIR). Every
// Worker setting set in its environment reaches the Worker. Ctrl-C or SIGTERM stops all of it.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { SETTING_NAMES } from '../src/settings.js'
import { startSimulator, type Simulator } from '../test/support/bbb-sim/simulator.js'
import { writeStackFile, writeWorkerEnv } from './dev/outputs.js'
import { registerServers } from './dev/register-servers.js'
import { loadSecrets } from './dev/secrets.js'
import { startWranglerDev, type WranglerDev } from './dev/wrangler.js'
import { maskUrl } from './stack/redact.js'
import { type Stack, startStack, workerBindings } from './stack/stack.js'

// Below Linux's ephemeral range (32768–60999), so no port the kernel handed to another program's
// listener or connection can be holding them.
const PORTS = { postgres: 25432, redis: 26379, neonWs: 25433, neonHttp: 25434, upstash: 28079 }
const NODE_PORTS = [29001, 29002, 29003]
const CONTROL_PORT = 29000
const WORKER_PORT = 8787
const POLL_EVERY_MS = 10_000 // wrangler dev does not fire cron triggers by itself

process.chdir(path.resolve(import.meta.dirname, '..'))
// Tests run a dev stack of their own in another directory.
const LOCAL = process.env.SCALEFLARE_STATE_DIR || '.local'
const fresh = process.argv.includes('--fresh')
const inspector = process.argv.includes('--inspect')
const seconds = () => (performance.now() / 1000).toFixed(1)

let stack: Stack | undefined
let simulator: Simulator | undefined
let wrangler: WranglerDev | undefined
let pollTimer: NodeJS.Timeout | undefined
let stopping: Promise<never> | undefined

/** Stops everything that started, in reverse order, then exits; a second signal must not cut that short. */
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    clearInterval(pollTimer)
    console.log('\nstopping the dev stack…')
    for (const stop of [() => wrangler?.stop(), () => simulator?.stop(), () => stack?.stop()]) {
      await Promise.resolve(stop()).catch((error: Error) => console.error(`dev: ${error.message}`))
    }
    process.exit(code)
  })()
  return stopping
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0))
// Whoever read our output may be gone (a closed terminal, a killed test runner): keep stopping anyway.
process.stdout.on('error', () => {})
process.stderr.on('error', () => {})
process.on('uncaughtException', (error) => {
  console.error(`dev: ${error.message}`)
  void shutdown(1)
})

try {
  mkdirSync(LOCAL, { recursive: true })
  const secrets = loadSecrets(path.join(LOCAL, 'dev-secrets.json'), NODE_PORTS.length)
  stack = await startStack({ dir: LOCAL, fresh, ports: PORTS })
  if (stack.postgresKind === 'external') console.log(`using DATABASE_URL ${maskUrl(stack.endpoints.databaseUrl)}`)
  simulator = await startSimulator({
    nodes: NODE_PORTS.map((port, i) => ({ port, secret: secrets.nodeSecrets[i], id: `node-${i + 1}` })),
    controlPort: CONTROL_PORT,
  })
  const nodes = simulator.nodes.map(({ id, url, secret, port }) => ({ id, url, secret, port }))
  const { endpoints } = stack
  // Not .dev.vars: settings come from our environment, and no file of the checkout needs an edit.
  const fromEnvironment = SETTING_NAMES.filter((name) => process.env[name])
  const workerEnv = path.resolve(LOCAL, 'worker.env')
  writeWorkerEnv(workerEnv, {
    ...workerBindings(endpoints),
    LOADBALANCER_SECRET: secrets.loadbalancerSecret,
    ADMIN_TOKEN: secrets.adminToken,
    ...Object.fromEntries(fromEnvironment.map((name) => [name, process.env[name]!])),
  })

  wrangler = await startWranglerDev({ port: WORKER_PORT, pidFile: path.join(LOCAL, 'wrangler.pid'), envFile: workerEnv, inspector })
  const apiUrl = `${wrangler.url}/bigbluebutton/api`
  const stackFile = path.join(LOCAL, 'stack.json')
  writeStackFile(stackFile, {
    api: { url: apiUrl, secret: secrets.loadbalancerSecret },
    worker: { url: wrangler.url, scaleliteAdminUrl: `${wrangler.url}/scalelite/api` },
    admin: { url: `${wrangler.url}/admin/v1`, token: secrets.adminToken, dashboardUrl: `${wrangler.url}/admin/dashboard` },
    postgres: { url: endpoints.databaseUrl, kind: stack.postgresKind },
    redis: { url: endpoints.redisUrl },
    bridges: {
      neonWsProxy: endpoints.neonWsProxy,
      neonHttpEndpoint: endpoints.neonHttpEndpoint,
      upstashUrl: endpoints.upstashUrl,
      upstashToken: endpoints.upstashToken,
      counters: stack.counters,
    },
    simulator: { controlUrl: simulator.controlUrl, nodes },
  })
  void wrangler.exited.then((code) => {
    if (!stopping) console.error(`wrangler dev exited (${code}); stopping the stack`)
    return shutdown(code)
  })

  await wrangler.ready('/bigbluebutton/api', 60_000)
  const answeredAt = seconds()
  const registered = await registerServers(wrangler.url, secrets.loadbalancerSecret, nodes).then(
    () => 'registered and enabled',
    (error: Error) => (console.warn(`warning: could not register the simulated BBB nodes with the Worker: ${error.message}`), 'not registered'),
  )
  const scheduledUrl = `${wrangler.url}/__scheduled?cron=*+*+*+*+*`
  let pollFailing = false
  const triggerPoll = () =>
    fetch(scheduledUrl).then(
      async (res) => {
        await res.arrayBuffer()
        pollFailing = false
      },
      (error: Error) => {
        if (!pollFailing && !stopping) console.warn(`warning: poll trigger failed: ${error.message}`)
        pollFailing = true
      },
    )
  await triggerPoll()
  pollTimer = setInterval(triggerPoll, POLL_EVERY_MS)
  // The banner comes last: the lines of our own requests above arrive through wrangler's pipe.
  await wrangler.started(150, 1500)

  console.log(`
Scaleflare dev stack ready (${seconds()} s; the Worker answered after ${answeredAt} s)
  BBB API     ${apiUrl}
  secret      ${secrets.loadbalancerSecret}
  admin       ${wrangler.url}/admin/dashboard (token: ${secrets.adminToken})
  CLI         npx scaleflare status --url ${wrangler.url} --token ${secrets.adminToken}
  endpoints   ${path.resolve(stackFile)}
  Postgres    ${maskUrl(endpoints.databaseUrl)} (${stack.postgresKind}${stack.postgresData ? `, data in ${stack.postgresData}` : ''})
  BBB nodes   ${nodes.map((n) => n.url).join(', ')} (${registered})
  settings    ${fromEnvironment.length ? `from the environment: ${fromEnvironment.join(', ')}` : 'wrangler.toml (set any of docs/configuration.md in the environment)'}
Cron poll every ${POLL_EVERY_MS / 1000} s (a poll line shows when what it found changes). One JSON line per request below. Ctrl-C stops everything.`)
} catch (error) {
  console.error(`dev: ${error instanceof Error ? error.message : String(error)}`)
  await shutdown(1)
}
