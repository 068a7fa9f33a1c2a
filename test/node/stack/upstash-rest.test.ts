import { Redis, type RedisConfigNodejs } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Bridge } from '../../../scripts/stack/bridge-http.js'
import { startUpstashRest } from '../../../scripts/stack/upstash-rest.js'

const token = 'test-token'
let bridge: Bridge

beforeAll(async () => {
  bridge = await startUpstashRest({ redisUrl: inject('stack').endpoints.redisUrl, port: 0, token })
})
afterAll(() => bridge.stop())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(bridge.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

// The @upstash/redis client in its default mode (base64 responses, auto-pipelining) and both opt-outs.
describe.each<[string, Partial<RedisConfigNodejs>]>([
  ['default client', {}],
  ['without auto-pipelining', { enableAutoPipelining: false }],
  ['without base64', { responseEncoding: false }],
])('@upstash/redis conformance: %s', (mode, config) => {
  let redis: Redis
  const key = (name: string) => `conformance:${mode}:${name}`
  beforeAll(() => {
    redis = new Redis({ url: bridge.url, token, enableTelemetry: false, retry: false, ...config })
  })

  it('round-trips strings, including ones that look like base64, numbers and unicode', async () => {
    for (const value of ['bar', 'abcd', 'PONG', 'hello world', 'héllo wörld ✓ 🎉', 'OK', '']) {
      await redis.set(key('s'), value)
      expect(await redis.get(key('s'))).toBe(value)
    }
    await redis.set(key('n'), '1234')
    expect(await redis.get(key('n'))).toBe(1234) // the client's automatic deserialization
    expect(await redis.get(key('missing'))).toBeNull()
  })

  it('stores objects as JSON and honours set options', async () => {
    await redis.set(key('obj'), { a: 1, b: ['x'] })
    expect(await redis.get(key('obj'))).toEqual({ a: 1, b: ['x'] })
    expect(await redis.set(key('nx'), 'first', { nx: true, ex: 100 })).toBe('OK')
    expect(await redis.set(key('nx'), 'second', { nx: true })).toBeNull()
    expect(await redis.ttl(key('nx'))).toBeGreaterThan(90)
  })

  it('counts, hashes, sorted sets, lists, mget', async () => {
    expect(await redis.incr(key('c'))).toBe(1)
    expect(await redis.incrby(key('c'), 41)).toBe(42)
    await redis.hset(key('h'), { f: 'v', n: 7 })
    expect(await redis.hget(key('h'), 'f')).toBe('v')
    expect(await redis.hgetall(key('h'))).toEqual({ f: 'v', n: 7 })
    expect(await redis.hgetall(key('no-hash'))).toBeNull()
    await redis.zadd(key('z'), { score: 1, member: 'a' }, { score: 2.5, member: 'b' })
    expect(await redis.zrange(key('z'), 0, -1)).toEqual(['a', 'b'])
    expect(await redis.zrange(key('z'), 0, -1, { withScores: true })).toEqual(['a', 1, 'b', 2.5])
    expect(await redis.zrange(key('z'), 2, 3, { byScore: true })).toEqual(['b'])
    expect(await redis.zscore(key('z'), 'b')).toBe(2.5)
    await redis.rpush(key('l'), 'x', 'y')
    expect(await redis.lrange(key('l'), 0, -1)).toEqual(['x', 'y'])
    expect(await redis.mget(key('c'), key('absent'))).toEqual([42, null])
  })

  it('pipelines, surfacing errors unless keepErrors', async () => {
    const ok = redis.pipeline().set(key('p'), 'v').get(key('p')).incr(key('pc'))
    expect(await ok.exec()).toEqual(['OK', 'v', 1])
    await redis.set(key('str'), 'text')
    await expect(redis.pipeline().get(key('p')).lpush(key('str'), 'x').exec()).rejects.toThrow(/WRONGTYPE/)
    const kept = await redis.pipeline().get(key('p')).lpush(key('str'), 'x').exec({ keepErrors: true })
    expect(kept[0]).toEqual({ result: 'v', error: undefined })
    expect(kept[1]?.error).toMatch(/WRONGTYPE/)
  })

  it('runs multi-exec transactions; a runtime error does not undo the other commands', async () => {
    expect(await redis.multi().set(key('m'), 'a').get(key('m')).exec()).toEqual(['OK', 'a'])
    await redis.set(key('mstr'), 'text')
    await expect(redis.multi().set(key('m2'), 'b').lpush(key('mstr'), 'x').exec()).rejects.toThrow(/WRONGTYPE/)
    expect(await redis.get(key('m2'))).toBe('b')
  })

  it('evaluates scripts, including EVALSHA with its NOSCRIPT fallback', async () => {
    expect(await redis.eval('return 7', [], [])).toBe(7)
    expect(await redis.eval('return ARGV[1]', [], ['hé'])).toBe('hé')
    expect(await redis.eval('return {1, "two", {3, KEYS[1]}}', [key('k')], [])).toEqual([1, 'two', [3, key('k')]])
    const script = redis.createScript<string>(`return redis.call('SET', KEYS[1], ARGV[1] .. '${mode}')`)
    expect(await script.exec([key('script')], ['v'])).toBe('OK')
    expect(await redis.get(key('script'))).toBe(`v${mode}`)
  })

  it('reports WRONGTYPE as an UpstashError', async () => {
    await redis.set(key('wt'), 'text')
    await expect(redis.lpush(key('wt'), 'x')).rejects.toThrow(/WRONGTYPE/)
  })

  it('scans, checks existence, expires, deletes, streams', async () => {
    await redis.set(key('scan'), 1)
    const [cursor, keys] = await redis.scan(0, { match: key('scan'), count: 1000 })
    expect(typeof cursor).toBe('string')
    expect(keys).toContain(key('scan'))
    expect(await redis.exists(key('scan'), key('nope'))).toBe(1)
    expect(await redis.expire(key('scan'), 50)).toBe(1)
    expect(await redis.ttl(key('scan'))).toBeGreaterThan(40)
    expect(await redis.del(key('scan'))).toBe(1)
    const id = await redis.xadd(key('x'), '*', { field: 'value' })
    expect(await redis.xrange(key('x'), '-', '+')).toEqual({ [id]: { field: 'value' } })
  })

  it('rejects a wrong token', async () => {
    const wrong = new Redis({ url: bridge.url, token: 'wrong', enableTelemetry: false, retry: false, ...config })
    await expect(wrong.get(key('s'))).rejects.toThrow(/Unauthorized/)
  })
})

describe('Upstash REST protocol details', () => {
  it('base64-encodes every string but "OK" only when asked to', async () => {
    await post('/', ['SET', 'proto:b64', 'bar'])
    expect(await (await post('/', ['SET', 'proto:b64', 'bar'], { 'upstash-encoding': 'base64' })).json()).toEqual({ result: 'OK' })
    expect(await (await post('/', ['GET', 'proto:b64'], { 'upstash-encoding': 'base64' })).json()).toEqual({ result: 'YmFy' })
    expect(await (await post('/', ['GET', 'proto:b64'])).json()).toEqual({ result: 'bar' })
    await post('/', ['HSET', 'proto:hash', 'f', 'v'])
    expect(await (await post('/', ['HGETALL', 'proto:hash'])).json()).toEqual({ result: ['f', 'v'] })
  })

  it('requires the token on every path, also as ?_token=', async () => {
    for (const path of ['/', '/pipeline', '/multi-exec']) {
      const res = await fetch(bridge.url + path, { method: 'POST', body: '[]' })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'Unauthorized' })
    }
    const res = await fetch(`${bridge.url}/?_token=${token}`, { method: 'POST', body: '["PING"]' })
    expect(await res.json()).toEqual({ result: 'PONG' })
  })

  it('answers bad input with JSON errors and keeps serving', async () => {
    const cases: [Promise<Response>, number][] = [
      [post('/', '{not json'), 400],
      [post('/', { not: 'an array' }), 400],
      [post('/pipeline', []), 400],
      [post('/', ['NOPE']), 400],
      [post('/', ['SUBSCRIBE', 'channel']), 400],
      [post('/nowhere', ['PING']), 404],
      [fetch(bridge.url + '/', { headers: { authorization: `Bearer ${token}` } }), 405],
    ]
    for (const [response, status] of cases) {
      const res = await response
      expect(res.status).toBe(status)
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string')
    }
    expect(await (await post('/', ['PING'])).json()).toEqual({ result: 'PONG' })
  })

  it('aborts a multi-exec with a queueing error as a whole', async () => {
    const res = await post('/multi-exec', [['SET', 'proto:abort', '1'], ['NOPE']])
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/EXECABORT/)
    expect(await (await post('/', ['EXISTS', 'proto:abort'])).json()).toEqual({ result: 0 })
  })

  it('counts requests and commands, but not its own /__counters calls', async () => {
    await fetch(bridge.url + '/__counters', { method: 'DELETE' })
    await post('/', ['PING'])
    await post('/pipeline', [['PING'], ['PING']])
    await post('/multi-exec', [['PING'], ['PING'], ['PING']])
    await fetch(bridge.url + '/__counters')
    const counters = (await (await fetch(bridge.url + '/__counters')).json()) as { largestRequestBytes: number }
    expect(counters).toMatchObject({ requests: 3, byPath: { '/': 1, '/pipeline': 1, '/multi-exec': 1 }, commands: 6 })
    // The largest body so far: the multi-exec of three PINGs.
    expect(counters.largestRequestBytes).toBe(JSON.stringify([['PING'], ['PING'], ['PING']]).length)
    await fetch(bridge.url + '/__counters', { method: 'DELETE' })
    expect(await (await fetch(bridge.url + '/__counters')).json()).toEqual({ requests: 0, byPath: {}, commands: 0, largestRequestBytes: 0 })
  })

  it('refuses a request over Upstash\'s 10 MB, as Upstash does', async () => {
    const res = await post('/', ['SET', 'proto:big', 'x'.repeat(10 * 1024 * 1024)])
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe('ERR max request size exceeded')
  })
})
