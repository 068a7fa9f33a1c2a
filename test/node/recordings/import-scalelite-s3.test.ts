// The S3 sink as R2's S3 API sees it: a small S3 endpoint that checks each request's AWS SigV4
// signature independently (node:crypto, not aws4fetch) and, as R2 does, the body against
// x-amz-content-sha256.
import { createHash, createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SourceFile } from '../../../scripts/import-scalelite/importer.js'
import { s3Sink } from '../../../scripts/import-scalelite/sinks.js'
import { httpMetadataFor } from '../../../src/recordings/playback/content-type.js'

const KEY_ID = 'test-key-id'
const SECRET = 'test-secret-access-key'
const objects = new Map<string, { body: Buffer; headers: Record<string, string> }>()
const refused: string[] = []
let server: Server
let endpoint = ''

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** SigV4 as AWS documents it for S3 (header-based, region `auto`), computed from the raw request. */
function signatureValid(req: IncomingMessage): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/auto\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization ?? '',
  )
  if (!auth || auth[1] !== KEY_ID) return false
  const [, , date, signedHeaders, signature] = auth as unknown as [string, string, string, string, string]
  const names = signedHeaders.split(';')
  if (!names.includes('host') || !names.includes('x-amz-content-sha256') || !names.includes('x-amz-date')) return false
  const query = [...new URL(req.url!, 'http://x').searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonical = [
    req.method,
    req.url!.split('?')[0],
    query,
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
      const copySource = req.headers['x-amz-copy-source']
      if (req.method === 'PUT' && typeof copySource === 'string') {
        const source = objects.get(decodeURIComponent(copySource))
        if (!source) return res.writeHead(404).end('NoSuchKey')
        objects.set(path, { body: source.body, headers: source.headers })
        return res.writeHead(200).end('<CopyObjectResult/>')
      }
      if (req.method === 'DELETE') {
        objects.delete(path)
        return res.writeHead(204).end()
      }
      if (req.method === 'GET' && new URL(req.url!, 'http://x').searchParams.get('list-type') === '2') {
        // Two keys a page, so the sink has to follow the continuation token.
        const q = new URL(req.url!, 'http://x').searchParams
        const keys = [...objects.keys()].map((k) => k.slice(path.length + 1)).filter((k) => k.startsWith(q.get('prefix') ?? '')).sort()
        const from = Number(q.get('continuation-token') ?? 0)
        const page = keys.slice(from, from + 2)
        const more = from + 2 < keys.length
        return res.writeHead(200, { 'content-type': 'application/xml' }).end(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>${more}</IsTruncated>` +
            page.map((k) => `<Contents><Key>${xmlEscape(k)}</Key></Contents>`).join('') +
            (more ? `<NextContinuationToken>${from + 2}</NextContinuationToken>` : '') +
            '</ListBucketResult>',
        )
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

  it('lists a prefix across pages, copies with the metadata, deletes: what settling a recording\'s strays needs', async () => {
    const f = file('shapes.svg', '<svg/>')
    for (const path of ['shapes.svg', 'deck 1/slide&1.png', 'x/y.txt']) {
      await sink().put(`published/presentation/rec-3/${path}`, f, { sha256: await f.sha256(), httpMetadata: { contentType: 'image/svg+xml' } })
    }
    await sink().put('published/presentation/rec-33/shapes.svg', f, { sha256: await f.sha256(), httpMetadata: {} })
    const keys = await sink().list('published/presentation/rec-3/')
    expect(keys).toEqual(['published/presentation/rec-3/deck 1/slide&1.png', 'published/presentation/rec-3/shapes.svg', 'published/presentation/rec-3/x/y.txt'])
    await sink().copy(keys[0]!, 'unpublished/presentation/rec-3/deck 1/slide&1.png')
    expect(objects.get('/recordings/unpublished/presentation/rec-3/deck 1/slide&1.png')!.headers).toMatchObject({ 'content-type': 'image/svg+xml', 'x-amz-meta-sha256': await f.sha256() })
    for (const key of keys) await sink().delete(key)
    expect(await sink().list('published/presentation/rec-3/')).toEqual([])
    expect(await sink().head('unpublished/presentation/rec-3/deck 1/slide&1.png')).toEqual({ size: 6, sha256: await f.sha256() })
    // Each request, a listing's query string included, signed as SigV4 says.
    expect(refused.filter((r) => r.endsWith('signature'))).toEqual([])
  })

  it('wrong credentials fail clearly, without the secret in the message', async () => {
    const bad = s3Sink({ endpoint, bucket: 'recordings', accessKeyId: KEY_ID, secretAccessKey: 'wrong-secret' })
    const error = await bad.head('published/x/y/metadata.xml').catch((e: Error) => e)
    expect(String(error)).toContain('S3 HEAD published/x/y/metadata.xml: HTTP 403')
    expect(String(error)).not.toContain('wrong-secret')
  })
})
