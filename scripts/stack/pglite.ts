import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { choosePort } from './net.js'
import type { PostgresHandle } from './postgres.js'

/**
 * Zero-install fallback: PGlite (Postgres in WASM) in this process, served over TCP by pglite-socket.
 * It is one backend: it ignores the database name and any password, and serializes transactions.
 */
export async function startPglite(options: { dir: string; port: number; fresh: boolean }): Promise<PostgresHandle> {
  const dataDir = path.join(options.dir, 'pglite')
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(options.dir, { recursive: true })
  // Loaded lazily: the WASM module is large and most machines have real Postgres.
  const { PGlite } = await import('@electric-sql/pglite')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const port = await choosePort(options.port, 'pglite')
  const db = await PGlite.create(dataDir)
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 })
  await server.start()
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    kind: 'pglite',
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}
