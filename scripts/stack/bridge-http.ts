import http from 'node:http'
import { closeHttp, listen } from './net.js'

/**
 * What a bridge has served, for tests that assert storage round-trip budgets. `requests` and `byPath`
 * count protocol requests only; `extra` holds bridge-specific totals (commands, queries).
 */
export class Counters<K extends string> {
  private requests = 0
  private byPath: Record<string, number> = {}
  private extra: Record<string, number> = {}

  constructor(private readonly extraKeys: readonly K[]) {
    this.reset()
  }

  request(path: string): void {
    this.requests++
    this.byPath[path] = (this.byPath[path] ?? 0) + 1
  }

  add(key: K, n = 1): void {
    this.extra[key] = (this.extra[key] ?? 0) + n
  }

  /** Keeps the largest value seen (e.g. the largest request body). */
  max(key: K, n: number): void {
    this.extra[key] = Math.max(this.extra[key] ?? 0, n)
  }

  reset(): void {
    this.requests = 0
    this.byPath = {}
    this.extra = Object.fromEntries(this.extraKeys.map((key) => [key, 0]))
  }

  toJSON(): Record<string, unknown> {
    return { requests: this.requests, byPath: this.byPath, ...this.extra }
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`)
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const MAX_BODY = 16 * 1024 * 1024

/** Reads and parses a JSON body; malformed input becomes a 400 with `errorBody(message)`. */
export async function readJson(req: http.IncomingMessage, errorBody: (message: string) => unknown): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new HttpError(413, errorBody('request body too large'))
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, errorBody('request body is not valid JSON'))
  }
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => Promise<void>

/**
 * An HTTP server for one bridge: `GET`/`DELETE /__counters` read and reset `counters`, everything else
 * goes to `handler`. A thrown HttpError becomes its JSON answer and anything else a 500, so bad input
 * never takes the process down.
 */
export function createBridgeServer(counters: Counters<string>, handler: Handler): http.Server {
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://bridge').pathname
    if (path === '/__counters') {
      if (req.method === 'DELETE') counters.reset()
      if (req.method === 'GET' || req.method === 'DELETE') return sendJson(res, 200, counters)
      return sendJson(res, 405, { error: 'Method Not Allowed' })
    }
    handler(req, res, path).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      if (error instanceof HttpError) return sendJson(res, error.status, error.body)
      sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) })
    })
  })
}

export interface Bridge {
  port: number
  /** Base URL; `<url>/__counters` reads the counters. */
  url: string
  stop(): Promise<void>
}

export async function serveBridge(server: http.Server, port: number, onStop: () => Promise<void> = async () => {}): Promise<Bridge> {
  const bound = await listen(server, port)
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    async stop() {
      await closeHttp(server)
      await onStop()
    },
  }
}
