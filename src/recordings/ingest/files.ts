/**
 * Storing files: a small file in one PUT (R2 checks its SHA-256 before the object exists), a
 * large one as an R2 multipart upload whose state lives in Postgres, so any request (after a
 * crash, from a re-run) can resume it. Every step can be repeated with the same result.
 */
import {
  deleteMultipart,
  getMultipart,
  insertMultipart,
  recordPart,
  type MultipartState,
} from '../../store/recording-index.js';
import { httpMetadataFor } from '../playback/content-type.js';
import { declaredLength, json, ownedVisibility, type IngestCall } from './call.js';
import { ingestErrors } from './errors.js';
import type { FileRef } from './paths.js';
import { EMPTY_SHA256, SHA256_HEX } from './node-auth.js';
import { objectKey, SHA256_META } from '../objects.js';
import { toHex } from '../../crypto.js';

/** R2's smallest part (every part but the last) and its largest part count. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

const fileOf = (call: IngestCall): FileRef => call.target.file(call.svc.cfg.recordings.formats);

async function storedKey(call: IngestCall, f: FileRef): Promise<string> {
  return objectKey(await ownedVisibility(call), f.format, f.recordId, f.path);
}

function objectOptions(f: FileRef, sha256: string): R2PutOptions {
  return { httpMetadata: httpMetadataFor(f.format, f.path), customMetadata: { [SHA256_META]: sha256 } };
}

/** PUT file/<recordID>/<format>/<path>: the whole file; the signed body digest is the file's. */
export async function putFile(call: IngestCall): Promise<Response> {
  const f = fileOf(call);
  const { maxRequestBytes, maxFileBytes } = call.svc.cfg.ingest;
  const size = declaredLength(call, Math.min(maxRequestBytes, maxFileBytes));
  const sha256 = call.caller.contentSha256;
  await putChecked(call.bucket, await storedKey(call, f), f, call.req.body ?? new Uint8Array(0), sha256);
  return json({ format: f.format, path: f.path, size, sha256 }, 201);
}

/** Stores one whole file; R2 refuses the object (nothing is stored) unless the bytes hash to `sha256`. */
export async function putChecked(
  bucket: R2Bucket,
  key: string,
  f: FileRef,
  body: ReadableStream | Uint8Array,
  sha256: string,
): Promise<void> {
  try {
    await bucket.put(key, body, { ...objectOptions(f, sha256), sha256 });
  } catch (e) {
    if (/sha-?256|checksum|digest/i.test(String(e))) throw ingestErrors.digestMismatch(`${f.format}/${f.path} does not match its declared SHA-256.`);
    throw e;
  }
}

function partCount(s: { size: number; partSize: number }): number {
  return Math.max(1, Math.ceil(s.size / s.partSize));
}

function progress(s: MultipartState): Response {
  return json({ status: 'uploading', partSize: s.partSize, partCount: partCount(s), done: s.parts.map((p) => p.number) });
}

const COMPLETE = () => json({ status: 'complete' });

function multipartParams(call: IngestCall): { size: number; sha256: string; partSize: number } {
  const q = call.url.searchParams;
  const int = (name: string) => (/^\d{1,15}$/.test(q.get(name) ?? '') ? Number(q.get(name)) : NaN);
  const size = int('size');
  const partSize = int('partSize');
  const sha256 = (q.get('sha256') ?? '').toLowerCase();
  if (!Number.isFinite(size) || !Number.isFinite(partSize) || !SHA256_HEX.test(sha256)) {
    throw ingestErrors.badRequest('Begin a multipart upload with size, partSize and sha256 query parameters.');
  }
  const { maxFileBytes, maxRequestBytes } = call.svc.cfg.ingest;
  if (size > maxFileBytes) throw ingestErrors.tooLarge(`The file is larger than ${maxFileBytes} bytes.`);
  if (partSize < MIN_PART_BYTES || partSize > maxRequestBytes) {
    throw ingestErrors.badRequest(`partSize must be between ${MIN_PART_BYTES} and ${maxRequestBytes} bytes.`);
  }
  if (partCount({ size, partSize }) > MAX_PARTS) throw ingestErrors.badRequest(`A file has at most ${MAX_PARTS} parts; use larger parts.`);
  return { size, sha256, partSize };
}

async function abortQuietly(bucket: R2Bucket, s: Pick<MultipartState, 'objectKey' | 'uploadId'>): Promise<void> {
  // Already completed or aborted: nothing left to free.
  await bucket.resumeMultipartUpload(s.objectKey, s.uploadId).abort().catch(() => undefined);
}

/**
 * POST multipart/<recordID>/<format>/<path>?size=&sha256=&partSize=: begins, or resumes, the
 * upload of one large file. Answers the parts already stored, or `complete` when the object is.
 */
export async function beginMultipart(call: IngestCall): Promise<Response> {
  const f = fileOf(call);
  if (call.caller.contentSha256 !== EMPTY_SHA256) throw ingestErrors.badRequest('Begin a multipart upload with an empty body.');
  const want = multipartParams(call);
  const [key, existing] = await Promise.all([storedKey(call, f), getMultipart(call.svc.sql, f)]);
  if (existing && existing.objectKey === key && existing.size === want.size && existing.sha256 === want.sha256 && existing.partSize === want.partSize) {
    return progress(existing);
  }
  const stored = await call.bucket.head(key);
  if (stored && stored.size === want.size && stored.customMetadata?.[SHA256_META] === want.sha256) return COMPLETE();
  // A different file (or part size, or prefix) than the one begun earlier: start over.
  if (existing) {
    await abortQuietly(call.bucket, existing);
    await deleteMultipart(call.svc.sql, f, existing.uploadId);
  }
  const upload = await call.bucket.createMultipartUpload(key, objectOptions(f, want.sha256));
  const state: MultipartState = { ...f, objectKey: key, uploadId: upload.uploadId, ...want, parts: [] };
  if (await insertMultipart(call.svc.sql, state)) return progress(state);
  // A concurrent begin won: use its upload.
  await abortQuietly(call.bucket, state);
  const winner = await getMultipart(call.svc.sql, f);
  if (!winner) throw ingestErrors.unavailable('The upload changed while it was being begun; retry.');
  return progress(winner);
}

async function requireUpload(call: IngestCall, f: FileRef): Promise<MultipartState | undefined> {
  const [key, state] = await Promise.all([storedKey(call, f), getMultipart(call.svc.sql, f)]);
  if (state && state.objectKey !== key) {
    // Begun before the recording was published or unpublished: finished, the file would sit under
    // the prefix the index no longer says (reachable from the public URL after an unpublish).
    await abortQuietly(call.bucket, state);
    await deleteMultipart(call.svc.sql, f, state.uploadId);
    throw ingestErrors.notFound('The recording was published or unpublished since this upload began; begin it again.');
  }
  return state;
}

/** PUT part/<recordID>/<format>/<path>?number=N: one part, hashed while it streams into R2. */
export async function putPart(call: IngestCall): Promise<Response> {
  const f = fileOf(call);
  const number = Number(call.url.searchParams.get('number'));
  const state = await requireUpload(call, f);
  if (!state) throw ingestErrors.notFound('No multipart upload of this file is in progress; begin it first.');
  const count = partCount(state);
  if (!Number.isInteger(number) || number < 1 || number > count) throw ingestErrors.badRequest(`number must be between 1 and ${count}.`);
  const expected = number < count ? state.partSize : state.size - (count - 1) * state.partSize;
  const length = declaredLength(call, call.svc.cfg.ingest.maxRequestBytes);
  if (length !== expected) throw ingestErrors.sizeMismatch(`Part ${number} must be ${expected} bytes.`);

  const digest = new crypto.DigestStream('SHA-256');
  // Rejected when the sender goes away mid-part; that failure is answered through the pipe below.
  const sha256Bytes = digest.digest;
  sha256Bytes.catch(() => undefined);
  const hashed = digest.getWriter();
  // Hashes each chunk on its way to R2: a part is never held in memory whole.
  const hashing = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, out) {
      // Not awaited: hashing keeps pace, and a failure surfaces through the digest.
      hashed.write(chunk).catch(() => undefined);
      out.enqueue(chunk);
    },
    flush: () => hashed.close(),
  });
  // R2 needs a stream of known length.
  const sized = new FixedLengthStream(length);
  const [uploaded] = await Promise.all([
    call.bucket.resumeMultipartUpload(state.objectKey, state.uploadId).uploadPart(number, sized.readable),
    (call.req.body ?? new Blob([]).stream()).pipeThrough(hashing).pipeTo(sized.writable),
  ]);
  const sha256 = toHex(new Uint8Array(await sha256Bytes));
  // The stored bytes stay unreferenced: only recorded parts go into the file.
  if (sha256 !== call.caller.contentSha256) throw ingestErrors.digestMismatch(`Part ${number} does not match its declared SHA-256.`);
  const recorded = await recordPart(call.svc.sql, f, state.uploadId, { number, etag: uploaded.etag, size: length, sha256 });
  if (!recorded) throw ingestErrors.notFound('The upload was replaced while this part was sent; begin it again.');
  return json({ part: number });
}

/** POST multipart-complete/<recordID>/<format>/<path>: assembles the recorded parts into the object. */
export async function completeMultipart(call: IngestCall): Promise<Response> {
  const f = fileOf(call);
  const state = await requireUpload(call, f);
  if (!state) {
    // Completed by an earlier call whose answer was lost.
    const key = await storedKey(call, f);
    if (await call.bucket.head(key)) return COMPLETE();
    throw ingestErrors.notFound('No multipart upload of this file is in progress; begin it first.');
  }
  const have = new Set(state.parts.map((p) => p.number));
  const missing = Array.from({ length: partCount(state) }, (_, i) => i + 1).filter((n) => !have.has(n));
  if (missing.length > 0) throw ingestErrors.incomplete(`Parts not yet stored: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}.`);
  try {
    await call.bucket
      .resumeMultipartUpload(state.objectKey, state.uploadId)
      .complete(state.parts.map((p) => ({ partNumber: p.number, etag: p.etag })));
  } catch (e) {
    // A concurrent complete of the same upload may have finished it first.
    const stored = await call.bucket.head(state.objectKey);
    if (!stored || stored.customMetadata?.[SHA256_META] !== state.sha256 || stored.size !== state.size) throw e;
  }
  await deleteMultipart(call.svc.sql, f, state.uploadId);
  return COMPLETE();
}
