/**
 * Where the importer puts files: R2 through its S3 API (production: the R2_* credentials the
 * Worker uses for presigned URLs), or an R2 binding (Miniflare's local R2 for `npm run dev`,
 * the test Worker's bucket in tests).
 */
import { AwsV4Signer } from 'aws4fetch';
import { XMLParser } from 'fast-xml-parser';
import { listAll, SHA256_META } from '../../src/recordings/objects.js';
import type { ObjectSink, SourceFile } from './importer.js';

export interface S3Target {
  /** https://<account id>.r2.cloudflarestorage.com, or any S3-compatible endpoint. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const META_HEADER = `x-amz-meta-${SHA256_META}`;

const listing = new XMLParser({ isArray: (name) => name === 'Contents', parseTagValue: false });

export function s3Sink(t: S3Target): ObjectSink {
  const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');
  const bucketUrl = `${t.endpoint.replace(/\/$/, '')}/${t.bucket}`;
  const urlOf = (key: string) => `${bucketUrl}/${encodeKey(key)}`;
  const signed = async (method: string, key: string, headers: Record<string, string>, url = urlOf(key)) =>
    (
      await new AwsV4Signer({
        method,
        url,
        headers,
        accessKeyId: t.accessKeyId,
        secretAccessKey: t.secretAccessKey,
        service: 's3',
        region: 'auto',
      }).sign()
    ).headers;
  return {
    async head(key) {
      const res = await fetch(urlOf(key), { method: 'HEAD', headers: await signed('HEAD', key, {}) });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`S3 HEAD ${key}: HTTP ${res.status}`);
      return { size: Number(res.headers.get('content-length')), sha256: res.headers.get(META_HEADER) ?? undefined };
    },
    async put(key, file, o) {
      const headers: Record<string, string> = {
        'content-length': String(file.size),
        'content-type': o.httpMetadata.contentType ?? 'application/octet-stream',
        // The real digest instead of UNSIGNED-PAYLOAD: R2 refuses a body that does not match it.
        'x-amz-content-sha256': o.sha256,
        [META_HEADER]: o.sha256,
        ...(o.httpMetadata.contentDisposition ? { 'content-disposition': o.httpMetadata.contentDisposition } : {}),
      };
      const res = await fetch(urlOf(key), {
        method: 'PUT',
        headers: await signed('PUT', key, headers),
        body: file.stream(),
        duplex: 'half',
      } as RequestInit);
      if (!res.ok) throw new Error(`S3 PUT ${key}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const url = new URL(bucketUrl);
        url.searchParams.set('list-type', '2');
        url.searchParams.set('prefix', prefix);
        if (token) url.searchParams.set('continuation-token', token);
        const res = await fetch(url, { headers: await signed('GET', prefix, {}, url.toString()) });
        if (!res.ok) throw new Error(`S3 LIST ${prefix}: HTTP ${res.status}`);
        const page = listing.parse(await res.text()).ListBucketResult ?? {};
        keys.push(...((page.Contents ?? []) as { Key: string }[]).map((c) => String(c.Key)));
        token = String(page.IsTruncated) === 'true' ? String(page.NextContinuationToken) : undefined;
      } while (token);
      return keys;
    },
    async copy(from, to) {
      // CopyObject: the metadata (type, disposition, sha256) goes with the object.
      const headers = { 'x-amz-copy-source': `/${t.bucket}/${encodeKey(from)}` };
      const res = await fetch(urlOf(to), { method: 'PUT', headers: await signed('PUT', to, headers) });
      if (!res.ok) throw new Error(`S3 COPY ${from} to ${to}: HTTP ${res.status}`);
    },
    async delete(key) {
      const res = await fetch(urlOf(key), { method: 'DELETE', headers: await signed('DELETE', key, {}) });
      if (!res.ok && res.status !== 404) throw new Error(`S3 DELETE ${key}: HTTP ${res.status}`);
    },
  };
}

/** Any R2 binding: Miniflare's local one, or the Worker's own in tests. */
export function bindingSink(bucket: R2Bucket): ObjectSink {
  return {
    async head(key) {
      const o = await bucket.head(key);
      return o ? { size: o.size, sha256: o.customMetadata?.[SHA256_META] } : null;
    },
    async put(key: string, file: SourceFile, o) {
      await bucket.put(key, await file.bytes(), { httpMetadata: o.httpMetadata, customMetadata: { [SHA256_META]: o.sha256 } });
    },
    list: async (prefix) => (await listAll(bucket, prefix)).map((o) => o.key),
    async copy(from, to) {
      const o = await bucket.get(from);
      if (o) await bucket.put(to, await o.arrayBuffer(), { httpMetadata: o.httpMetadata, customMetadata: o.customMetadata });
    },
    delete: (key) => bucket.delete(key),
  };
}
