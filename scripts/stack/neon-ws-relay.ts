import net from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { type Bridge, Counters, createBridgeServer, sendJson, serveBridge } from './bridge-http.js'

/**
 * The WebSocket endpoint that the Neon driver's Pool/Client talk to (`ws://<wsProxy>?address=host:port`):
 * binary frames carry the raw Postgres byte stream, piped to `pgUrl`'s host and port whatever `address`
 * says. Counts connections (`requests`) and frontend Query/Parse messages (`queries`).
 */
export async function startNeonWsRelay(options: { pgUrl: string; port: number }): Promise<Bridge> {
  const target = new URL(options.pgUrl)
  const host = target.hostname
  const port = Number(target.port || 5432)
  const counters = new Counters(['queries'])
  const wss = new WebSocketServer({ noServer: true })
  const server = createBridgeServer(counters, async (_req, res, path) => sendJson(res, 404, { error: `Not Found: ${path} (WebSocket endpoint is /v1)` }))

  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://relay').pathname !== '/v1') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      counters.request('/v1')
      relay(ws, net.connect(port, host), counters)
    })
  })

  return serveBridge(server, options.port, async () => {
    for (const ws of wss.clients) ws.terminate()
    await new Promise((resolve) => wss.close(resolve))
  })
}

function relay(ws: WebSocket, pg: net.Socket, counters: Counters<'queries'>): void {
  const frontend = new FrontendMessages()
  pg.setNoDelay(true)
  ws.on('message', (data: Buffer) => {
    if (pg.destroyed) return
    pg.write(data)
    for (const type of frontend.push(data)) {
      if (type === 'Q' || type === 'P') counters.add('queries')
      // PGlite keeps the TCP connection open after Terminate and the driver waits for the server to
      // hang up, so `end()` would hang: close both sides ourselves.
      if (type === 'X') {
        pg.end()
        ws.close()
      }
    }
  })
  pg.on('data', (data) => {
    frontend.serverData(data)
    if (ws.readyState === ws.OPEN) ws.send(data)
  })
  pg.on('close', () => ws.close())
  pg.on('error', () => ws.terminate())
  ws.on('close', () => pg.destroy())
  ws.on('error', () => pg.destroy())
}

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104

/**
 * Splits the frontend byte stream into messages: first a startup packet (length + body, no type
 * byte), then messages of one type byte + a length that counts itself. After an SSL/GSS request,
 * a server that says yes turns the stream into TLS, which we stop reading.
 */
class FrontendMessages {
  private buffer = Buffer.alloc(0)
  private startup = true
  private encryptionRequested = false
  private opaque = false

  /** Returns the type of every message completed by `chunk` ('' for startup packets). */
  push(chunk: Buffer): string[] {
    if (this.opaque) return []
    this.buffer = Buffer.concat([this.buffer, chunk])
    const types: string[] = []
    for (;;) {
      const header = this.startup ? 4 : 5
      if (this.buffer.length < header) break
      const total = this.startup ? this.buffer.readInt32BE(0) : 1 + this.buffer.readInt32BE(1)
      if (total < (this.startup ? 8 : 5)) {
        this.opaque = true // not the Postgres protocol: keep relaying bytes, stop interpreting them
        break
      }
      if (this.buffer.length < total) break
      if (this.startup) {
        const code = this.buffer.readInt32BE(4)
        this.encryptionRequested = code === SSL_REQUEST || code === GSSENC_REQUEST
        this.startup = this.encryptionRequested
        types.push('')
      } else {
        types.push(String.fromCharCode(this.buffer[0] ?? 0))
      }
      this.buffer = this.buffer.subarray(total)
    }
    return types
  }

  /** The server answers an SSL/GSS request with one byte: 'S'/'G' (encryption follows) or 'N'. */
  serverData(chunk: Buffer): void {
    if (!this.encryptionRequested) return
    this.encryptionRequested = false
    if (chunk[0] !== 0x4e) this.opaque = true
  }
}
