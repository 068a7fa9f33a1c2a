import net from 'node:net'
import type { Server } from 'node:http'

/** Asks the kernel for a free port, for servers (postgres, redis-server) that cannot report back an ephemeral one. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  const port = await listen(server, 0)
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Resolves `port`: 0 picks a free one; a fixed port must be free, so a second stack fails with a clear message. */
export async function choosePort(port: number, what: string): Promise<number> {
  if (port === 0) return freePort()
  if (await portAnswers(port)) throw new Error(`port ${port} (${what}) is already in use: is another stack running?`)
  return port
}

/** Listens on 127.0.0.1 and returns the bound port (useful with port 0). */
export async function listen(server: net.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as net.AddressInfo).port
}

/** Closes an HTTP server without waiting for idle keep-alive clients to go away. */
export async function closeHttp(server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve))
  server.closeAllConnections()
  await closed
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Polls `probe` until it returns a value; `probe` throws to abort early (e.g. the child process died). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
