// The S3 sink as R2's S3 API sees it: a small S3 endpoint that checks each request's AWS SigV4
// signature independently (node:crypto, not aws4fetch) and, as R2 does, the body against
// x-amz-content-sha256.
import { createHash, createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SourceFile } from '../../../scripts/import-scalelite/importer.js'
import { s3Sink } from '../../../scripts/import-scalelite/sinks.js'
import { httpMetadataFor } from '../../../src/recordings/content-type.js'

const KEY_ID = 'test-key-id'
const SECRET = 'test-secret-access-key'
const objects = new Map<string, { body: Buffer; headers: Record<string, string> }>()
const refused: string[] = []
let server: Server
let endpoint = ''

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()

/** SigV4 as AWS documents it for S3 (header-based, region `auto`), computed from the raw request. */
function signatureValid(req: IncomingMessage): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/auto\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization ?? '',
  )
  if (!auth || auth[1] !== KEY_ID) return false
  const [, , date, signedHeaders, signature] = auth as unknown as [string, string, string, string, string]
  const names = signedHeaders.split(';')
  if (!names.includes('host') || !names.includes('x-amz-content-sha256') || !names.includes('x-amz-date')) return false
  const canonical = [
    req.method,
    req.url!.split('?')[0],
    '',
    ...names.map((n) => `${n}:${String(req.headers[n] ?? '').trim()}`),
    '',
    signedHeaders,
    String(req.headers['x-amz-content-sha256']),
  ].join('\n')
  const scope = `${date}/auto/s3/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date), 'auto'), 's3'), 'aws4_request')
  return createHmac('sha256', key).update(toSign).digest('hex') === signature
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const path = decodeURIComponent(req.url!.split('?')[0]!)
      if (!signatureValid(req)) {
        refused.push(`${req.method} ${path}: signature`)
        return res.writeHead(403).end('SignatureDoesNotMatch')
      }
      if (req.method === 'PUT') {
        if (req.headers['x-amz-content-sha256'] !== sha256(body)) {
          refused.push(`PUT ${path}: digest`)
          return res.writeHead(400).end('XAmzContentSHA256Mismatch')
        }
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
        objects.set(path, { body, headers })
        return res.writeHead(200).end()
      }
      if (req.method === 'HEAD') {
        const o = objects.get(path)
        if (!o) return res.writeHead(404).end()
        return res.writeHead(200, { 'content-length': o.body.length, 'x-amz-meta-sha256': o.headers['x-amz-meta-sha256'] }).end()
      }
      res.writeHead(405).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function file(path: string, content: string): SourceFile {
  const data = Buffer.from(content)
  return {
    path,
    size: data.length,
    bytes: async () => new Uint8Array(data),
    stream: () => new Blob([data]).stream(),
    sha256: async () => sha256(data),
  }
}

describe('s3Sink', () => {
  const sink = () => s3Sink({ endpoint, bucket: 'recordings', accessKeyId: KEY_ID, secretAccessKey: SECRET })

  it('puts signed objects with their digest, content type and sha256 metadata; head reads them back', async () => {
    const key = 'published/presentation/rec-1/presentation/deck 1/slide+1.png'
    const f = file('presentation/deck 1/slide+1.png', 'png bytes')
    expect(await sink().head(key)).toBeNull()
    await sink().put(key, f, { sha256: await f.sha256(), httpMetadata: { contentType: 'image/png' } })
    const stored = objects.get(`/recordings/${key}`)!
    expect(stored.body.toString()).toBe('png bytes')
    expect(stored.headers).toMatchObject({ 'content-type': 'image/png', 'x-amz-meta-sha256': await f.sha256() })
    expect(await sink().head(key)).toEqual({ size: 9, sha256: await f.sha256() })
    expect(refused).toEqual([])
  })

  it("sends Scalelite's Content-Disposition of downloads (podcast, notes), and a wrong digest is refused, not stored", async () => {
    const pdf = file('notes.pdf', '%PDF')
    await sink().put('published/notes/rec-2/notes.pdf', pdf, { sha256: await pdf.sha256(), httpMetadata: httpMetadataFor('notes', 'notes.pdf') })
    expect(objects.get('/recordings/published/notes/rec-2/notes.pdf')!.headers).toMatchObject({ 'content-type': 'application/pdf', 'content-disposition': 'attachment' })
    await expect(sink().put('published/notes/rec-2/bad.pdf', pdf, { sha256: '0'.repeat(64), httpMetadata: {} })).rejects.toThrow('HTTP 400')
    expect(objects.has('/recordings/published/notes/rec-2/bad.pdf')).toBe(false)
  })

  it('wrong credentials fail clearly, without the secret in the message', async () => {
    const bad = s3Sink({ endpoint, bucket: 'recordings', accessKeyId: KEY_ID, secretAccessKey: 'wrong-secret' })
    const error = await bad.head('published/x/y/metadata.xml').catch((e: Error) => e)
    expect(String(error)).toContain('S3 HEAD published/x/y/metadata.xml: HTTP 403')
    expect(String(error)).not.toContain('wrong-secret')
  })
})
