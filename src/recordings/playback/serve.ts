import { AwsClient } from 'aws4fetch';
import type { Config, RecordingsConfig } from '../../config.js';
import { contentTypeFor } from './content-type.js';
import { nowSeconds, sign, verify } from './signing.js';

/**
 * Where a browser gets a recording file: playback never streams media through the Worker when
 * object storage can serve it.
 *
 * - open recordings: RECORDINGS_PUBLIC_URL (an R2 custom domain or CDN) when set;
 * - protected ones, and open ones without a public URL: a presigned URL of R2's S3 API when its
 *   credentials are set (never the public URL: anyone could pass it on for good);
 * - neither configured (local dev): the Worker itself, behind an HMAC-signed expiring URL.
 */

/** The Worker-served fallback's path prefix. */
export const SIGNED_OBJECT_PREFIX = '/recording-files/';

/** A key as a URL path: every segment percent-encoded, the slashes kept. */
export const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

const clients = new WeakMap<RecordingsConfig, AwsClient>();

function s3Client(rc: RecordingsConfig, s3: NonNullable<RecordingsConfig['s3']>): AwsClient {
  let c = clients.get(rc);
  if (!c) {
    c = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: 's3', region: 'auto' });
    clients.set(rc, c);
  }
  return c;
}

async function presign(rc: RecordingsConfig, s3: NonNullable<RecordingsConfig['s3']>, key: string): Promise<string> {
  const url = new URL(`https://${s3.accountId}.r2.cloudflarestorage.com/${encodeURIComponent(s3.bucket)}/${encodeKey(key)}`);
  url.searchParams.set('X-Amz-Expires', String(rc.urlTtlSeconds));
  const signed = await s3Client(rc, s3).sign(new Request(url), { aws: { signQuery: true } });
  return signed.url;
}

export async function objectLocation(cfg: Config, origin: string, key: string, isProtected: boolean): Promise<string> {
  const rc = cfg.recordings;
  if (!isProtected && rc.publicUrl) return `${rc.publicUrl}/${encodeKey(key)}`;
  if (rc.s3) return presign(rc, rc.s3, key);
  const expires = String(nowSeconds() + rc.urlTtlSeconds);
  const signature = await sign(cfg, ['object', key, expires]);
  return `${origin}${SIGNED_OBJECT_PREFIX}${encodeKey(key)}?expires=${expires}&signature=${signature}`;
}

/** Whether a Worker-served object URL is one we signed and has not expired. */
export async function verifyObjectUrl(cfg: Config, key: string, expires: string, signature: string): Promise<boolean> {
  if (!/^\d{1,12}$/.test(expires) || Number(expires) <= nowSeconds()) return false;
  return verify(cfg, ['object', key, expires], signature);
}

/** An object from the R2 binding as an HTTP answer, with Range and conditional requests; null when absent. */
export async function serveObject(bucket: R2Bucket, key: string, request: Request): Promise<Response | null> {
  const ranged = request.headers.has('range');
  const object = await bucket.get(key, { onlyIf: request.headers, ...(ranged ? { range: request.headers } : {}) });
  if (!object) return null;
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  // An object put without a type (`wrangler r2 object put` without --content-type) would be
  // refused by a browser under nosniff: the player's page, scripts and styles would not run.
  if (!headers.get('content-type')) headers.set('Content-Type', contentTypeFor(key));
  headers.set('ETag', object.httpEtag);
  headers.set('Accept-Ranges', 'bytes');
  headers.set('Cache-Control', 'private, max-age=300');
  // Served from the balancer's origin: never let a browser guess a more dangerous type.
  headers.set('X-Content-Type-Options', 'nosniff');
  if (!('body' in object)) return new Response(null, { status: 304, headers });
  const range = object.range as { offset?: number; length?: number } | undefined;
  if (ranged && range) {
    const start = range.offset ?? 0;
    const length = range.length ?? object.size - start;
    headers.set('Content-Range', `bytes ${start}-${start + length - 1}/${object.size}`);
    return new Response(object.body, { status: 206, headers });
  }
  return new Response(object.body, { headers });
}
