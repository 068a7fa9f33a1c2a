// Proves the workers harness: the private stack is reachable from workerd through the bridges, and
// its endpoints reach the Worker's env as bindings.
import { env } from 'cloudflare:workers'
import { neon, neonConfig } from '@neondatabase/serverless'
import { Redis } from '@upstash/redis/cloudflare'
import { expect, inject, it } from 'vitest'
import type {} from '../support/stack-context.js'

const { endpoints, counters } = inject('stack')

it('binds the stack endpoints into the Worker env', () => {
  expect(env).toMatchObject({
    DATABASE_URL: endpoints.databaseUrl,
    NEON_HTTP_ENDPOINT: endpoints.neonHttpEndpoint,
    UPSTASH_REDIS_REST_URL: endpoints.upstashUrl,
    LOADBALANCER_SECRET: 'test-secret',
  })
})

it('reaches Redis through the Upstash bridge and Postgres through the Neon HTTP bridge, one round trip each', async () => {
  await fetch(`${counters.upstash}/__counters`, { method: 'DELETE' })
  await fetch(`${counters.neonHttp}/__counters`, { method: 'DELETE' })

  const redis = new Redis({ url: endpoints.upstashUrl, token: endpoints.upstashToken, enableTelemetry: false })
  const value = `harness ✓ ${crypto.randomUUID()}`
  await redis.set('harness:key', value)
  expect(await redis.get('harness:key')).toBe(value)

  neonConfig.fetchEndpoint = endpoints.neonHttpEndpoint
  const [row] = await neon(endpoints.databaseUrl)`SELECT count(*)::int AS n FROM schema_migrations`
  expect(row?.n).toBeGreaterThan(0)

  expect(await (await fetch(`${counters.upstash}/__counters`)).json()).toMatchObject({ requests: 2, commands: 2 })
  expect(await (await fetch(`${counters.neonHttp}/__counters`)).json()).toMatchObject({ requests: 1, queries: 1 })
})
