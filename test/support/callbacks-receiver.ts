// A frontend's callback endpoint for tests: records every request and answers with scripted
// statuses, so tests in workerd can check what the balancer delivered, and make it fail first.
//
//   any path            → recorded; answers the next scripted status for that path (200 when none)
//   POST /__script      {path, statuses: [503, 200], delayMs?} → the path answers those in turn, the last one repeats
//   GET /__requests     → {requests: [{method, path, query, contentType, body, at}]}
//   DELETE /__requests  → forgets requests and scripts
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

interface Recorded {
  method: string
  path: string
  query: string
  contentType: string | null
  authorization: string | null
  userAgent: string | null
  body: string
  at: number
}

export interface CallbackReceiver {
  url: string
  stop(): Promise<void>
}

export async function startCallbackReceiver(host = '127.0.0.1'): Promise<CallbackReceiver> {
  let requests: Recorded[] = []
  let scripts = new Map<string, { statuses: number[]; delayMs: number }>()

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://receiver')
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value))
    }
    if (url.pathname === '/__script' && req.method === 'POST') {
      const { path, statuses, delayMs = 0 } = JSON.parse(body) as { path: string; statuses: number[]; delayMs?: number }
      scripts.set(path, { statuses: [...statuses], delayMs })
      return json(200, { ok: true })
    }
    if (url.pathname === '/__requests') {
      if (req.method === 'DELETE') {
        requests = []
        scripts = new Map()
        return json(200, { cleared: true })
      }
      return json(200, { requests })
    }
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      contentType: req.headers['content-type'] ?? null,
      authorization: req.headers.authorization ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      body,
      at: Date.now(),
    })
    const script = scripts.get(url.pathname)
    const status = script ? (script.statuses.length > 1 ? script.statuses.shift()! : script.statuses[0] ?? 200) : 200
    if (script?.delayMs) await new Promise((r) => setTimeout(r, script.delayMs))
    if (!res.destroyed) res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`status ${status}`)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
