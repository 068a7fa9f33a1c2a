import type http from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { Redis } from 'ioredis'
import { type Bridge, Counters, HttpError, createBridgeServer, readJson, sendJson, serveBridge } from './bridge-http.js'

/**
 * Upstash's REST protocol (POST /, /pipeline, /multi-exec) on top of a plain redis-server, so
 * `@upstash/redis` works locally, including its default base64 responses and auto-pipelining.
 */
/** Upstash's max request size on its Free and Pay-as-you-go plans. */
const UPSTASH_MAX_REQUEST_BYTES = 10 * 1024 * 1024

export async function startUpstashRest(options: { redisUrl: string; port: number; token: string }): Promise<Bridge> {
  // ioredis 6 defaults to RESP3, whose replies (maps, doubles) differ from what Upstash returns.
  const redis = new Redis(options.redisUrl, { protocol: 2, maxRetriesPerRequest: 2, lazyConnect: true })
  redis.on('error', () => {}) // reconnects on its own; commands fail with the reason meanwhile
  await redis.connect()
  const counters = new Counters(['commands', 'largestRequestBytes'])
  const expected = Buffer.from(`Bearer ${options.token}`)

  const server = createBridgeServer(counters, async (req, res, path) => {
    if (path !== '/' && path !== '/pipeline' && path !== '/multi-exec') return sendJson(res, 404, { error: `Not Found: ${path}` })
    counters.request(path)
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'Method Not Allowed' })
    if (!authorized(req, expected)) return sendJson(res, 401, { error: 'Unauthorized' })
    // Upstash refuses requests over 10 MB (Free and Pay as you go); so does the bridge.
    const length = Number(req.headers['content-length'] ?? 0)
    counters.max('largestRequestBytes', length)
    if (length > UPSTASH_MAX_REQUEST_BYTES) return sendJson(res, 400, { error: 'ERR max request size exceeded' })
    const body = await readJson(req, (error) => ({ error: `ERR ${error}` }))
    const base64 = req.headers['upstash-encoding'] === 'base64'

    if (path === '/') {
      const command = toCommand(body)
      counters.add('commands')
      try {
        return sendJson(res, 200, { result: encode(await redis.callBuffer(...command), base64) })
      } catch (error) {
        return sendJson(res, 400, { error: errorText(error) })
      }
    }

    if (!Array.isArray(body) || body.length === 0) throw new HttpError(400, { error: 'ERR expected a non-empty array of commands' })
    const commands = body.map(toCommand)
    counters.add('commands', commands.length)
    const batch = path === '/pipeline' ? redis.pipeline() : redis.multi()
    for (const command of commands) batch.callBuffer(...command)
    let replies: [Error | null, unknown][] | null
    try {
      replies = await batch.exec()
    } catch (error) {
      // EXECABORT: a command was rejected while queueing, so nothing ran.
      return sendJson(res, 400, { error: errorText(error) })
    }
    sendJson(res, 200, (replies ?? []).map(([error, value]) => (error ? { error: errorText(error) } : { result: encode(value, base64) })))
  })

  return serveBridge(server, options.port, async () => {
    redis.disconnect()
  })
}

function authorized(req: http.IncomingMessage, expected: Buffer): boolean {
  const token = new URL(req.url ?? '/', 'http://bridge').searchParams.get('_token')
  const given = Buffer.from(token === null ? (req.headers.authorization ?? '') : `Bearer ${token}`)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Commands that would change the state of the one shared connection (or block it) for every other request. */
const CONNECTION_STATE = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor', 'select', 'quit', 'reset', 'hello', 'watch', 'unwatch', 'multi', 'exec', 'discard', 'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop'])

type Command = [string, ...string[]]

/** The client sends strings, numbers and booleans as JSON values and objects pre-stringified. */
function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== 'string') {
    throw new HttpError(400, { error: 'ERR a command is a non-empty JSON array starting with its name' })
  }
  const [name, ...args] = value as [string, ...unknown[]]
  if (CONNECTION_STATE.has(name.toLowerCase())) throw new HttpError(400, { error: `ERR ${name} is not supported over REST` })
  return [name, ...args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))]
}

/**
 * Upstash's response encoding: with base64 every string at any depth is base64 of its raw bytes,
 * except the status "OK"; integers stay numbers and nil is null. ioredis turns HGETALL replies into
 * objects even for callBuffer; Upstash returns the flat [field, value, ...] array.
 */
function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) {
    const text = value.toString('utf8')
    return !base64 || text === 'OK' ? text : value.toString('base64')
  }
  if (Array.isArray(value)) return value.map((item) => encode(item, base64))
  if (value instanceof Error) return value.message
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([field, item]) => [encode(Buffer.from(field), base64), encode(item, base64)])
  }
  return value
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
