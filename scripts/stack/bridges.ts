import type { Bridge } from './bridge-http.js'
import { startNeonHttp } from './neon-http.js'
import { startNeonWsRelay } from './neon-ws-relay.js'
import { startUpstashRest } from './upstash-rest.js'

export interface BridgePorts {
  neonWs: number
  neonHttp: number
  upstash: number
}

export interface BridgesOptions {
  pgUrl: string
  redisUrl: string
  /** 0 = ephemeral; the bound ports are in the result. */
  ports: BridgePorts
  upstashToken: string
}

export interface Bridges {
  /** For neonConfig.wsProxy: `${neonWsProxy}?address=${host}:${port}` */
  neonWsProxy: string
  /** For neonConfig.fetchEndpoint */
  neonHttpEndpoint: string
  upstashUrl: string
  upstashToken: string
  /** Base URLs of each bridge; GET/DELETE `<base>/__counters`. */
  counters: { neonWs: string; neonHttp: string; upstash: string }
  stop(): Promise<void>
}

/** The three local stand-ins for Neon and Upstash, in this process, each on its own port. */
export async function startBridges(options: BridgesOptions): Promise<Bridges> {
  const started: Bridge[] = []
  const start = async (bridge: Promise<Bridge>) => {
    const running = await bridge
    started.push(running)
    return running
  }
  const stop = async () => {
    await Promise.all(started.map((bridge) => bridge.stop()))
  }
  try {
    const neonWs = await start(startNeonWsRelay({ pgUrl: options.pgUrl, port: options.ports.neonWs }))
    const neonHttp = await start(startNeonHttp({ pgUrl: options.pgUrl, port: options.ports.neonHttp }))
    const upstash = await start(startUpstashRest({ redisUrl: options.redisUrl, port: options.ports.upstash, token: options.upstashToken }))
    return {
      neonWsProxy: `127.0.0.1:${neonWs.port}/v1`,
      neonHttpEndpoint: `${neonHttp.url}/sql`,
      upstashUrl: upstash.url,
      upstashToken: options.upstashToken,
      counters: { neonWs: neonWs.url, neonHttp: neonHttp.url, upstash: upstash.url },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
