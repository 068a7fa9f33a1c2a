import { createHash } from 'node:crypto'

interface ServerJson {
  id: string
  url: string
  state?: string
  secret_fingerprint?: string
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Makes sure every node is registered with the Worker and enabled, through Scalelite's admin API
 * (checksum = sha256(action + query + secret)). Idempotent: a second `npm run dev` only fixes what
 * differs (state, or the secret when the server reports another fingerprint).
 */
export async function registerServers(workerUrl: string, secret: string, nodes: { url: string; secret: string }[]): Promise<void> {
  const admin = async (action: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${workerUrl}/scalelite/api/${action}?checksum=${sha256(action + secret)}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: Error) => {
      throw new Error(`${action}: ${error.cause instanceof Error ? error.cause.message : error.message}`)
    })
    const text = await res.text()
    try {
      return { status: res.status, json: JSON.parse(text) }
    } catch {
      throw new Error(`${action}: HTTP ${res.status} ${text.slice(0, 80).replace(/\s+/g, ' ')}`)
    }
  }
  const expect = (action: string, answer: { status: number; json: unknown }, status: number) => {
    if (answer.status !== status) throw new Error(`${action}: HTTP ${answer.status} ${JSON.stringify(answer.json).slice(0, 120)}`)
    return answer.json
  }

  const listed = await admin('getServers')
  // Scalelite answers 404 while no server is configured.
  const existing = listed.status === 404 ? [] : (expect('getServers', listed, 200) as ServerJson[])
  for (const node of nodes) {
    const server =
      existing.find((s) => s.url === node.url) ??
      (expect('addServer', await admin('addServer', { server: { url: node.url, secret: node.secret } }), 201) as ServerJson)
    const patch: Record<string, string> = {}
    if (server.state !== 'enabled') patch.state = 'enable'
    if (server.secret_fingerprint && !sha256(node.secret).startsWith(server.secret_fingerprint)) patch.secret = node.secret
    if (Object.keys(patch).length > 0) expect('updateServer', await admin('updateServer', { id: server.id, server: patch }), 200)
  }
}
