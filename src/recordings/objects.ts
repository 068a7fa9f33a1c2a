/**
 * Where a recording's files live in R2, and the operations on all of a recording's objects.
 * The layout is Scalelite's S3 mode: `<published|unpublished>/<format>/<recordID>/<path>`, text
 * tracks under `texttracks/<recordID>/…`. The format sits before the record id, so the formats
 * of a recording are discovered with one delimited listing per visibility. `manifests/<recordID>`
 * is the manifest of a completed upload (what reindex restores from).
 */

export type Visibility = 'published' | 'unpublished';
export const VISIBILITIES: readonly Visibility[] = ['published', 'unpublished'];

/** The SHA-256 (hex) of the whole file, set by ingest on every object it writes. */
export const SHA256_META = 'sha256';

export function formatPrefix(visibility: Visibility, format: string, recordId: string): string {
  return `${visibility}/${format}/${recordId}/`;
}

export function objectKey(visibility: Visibility, format: string, recordId: string, path: string): string {
  return formatPrefix(visibility, format, recordId) + path;
}

export function textTrackPrefix(recordId: string): string {
  return `texttracks/${recordId}/`;
}

export function textTrackKey(recordId: string, path: string): string {
  return textTrackPrefix(recordId) + path;
}

export const MANIFEST_PREFIX = 'manifests/';

export function manifestKey(recordId: string): string {
  return MANIFEST_PREFIX + recordId;
}

export interface RecordingObject {
  key: string;
  visibility: Visibility;
  format: string;
  /** Path inside `<format>/<recordID>/`. */
  path: string;
  size: number;
  /** Hex SHA-256 recorded at ingest, when known. */
  sha256?: string;
}

/** Every object under a prefix, following R2's pagination. */
export async function listAll(bucket: R2Bucket, prefix: string): Promise<R2Object[]> {
  const out: R2Object[] = [];
  let cursor: string | undefined;
  do {
    // `include` is honoured at our compatibility date; the base workers-types omit it.
    const options = { prefix, cursor, include: ['customMetadata'] };
    const page = await bucket.list(options as R2ListOptions);
    out.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

/** The format names present under one visibility prefix. */
async function listFormats(bucket: R2Bucket, visibility: Visibility): Promise<string[]> {
  const formats: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `${visibility}/`, delimiter: '/', cursor });
    for (const p of page.delimitedPrefixes) formats.push(p.slice(visibility.length + 1, -1));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return formats;
}

/** The recording's objects under one visibility, optionally only some formats. */
export async function listVisibility(
  bucket: R2Bucket,
  recordId: string,
  visibility: Visibility,
  formats?: readonly string[],
): Promise<RecordingObject[]> {
  const names = formats ?? (await listFormats(bucket, visibility));
  const pages = await Promise.all(
    names.map(async (format) => {
      const prefix = formatPrefix(visibility, format, recordId);
      return (await listAll(bucket, prefix)).map(
        (o): RecordingObject => ({
          key: o.key,
          visibility,
          format,
          path: o.key.slice(prefix.length),
          size: o.size,
          sha256: o.customMetadata?.[SHA256_META],
        }),
      );
    }),
  );
  return pages.flat();
}

/** All playback objects of a recording, published and unpublished. */
export async function listRecordingObjects(bucket: R2Bucket, recordId: string): Promise<RecordingObject[]> {
  const both = await Promise.all(VISIBILITIES.map((v) => listVisibility(bucket, recordId, v)));
  return both.flat();
}

export async function deleteKeys(bucket: R2Bucket, keys: string[]): Promise<void> {
  // R2 deletes at most 1000 keys per call.
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
}

const MiB = 1024 * 1024;

export interface CopyLimits {
  /** Objects up to this size are copied with one put (R2 takes at most about 5 GiB per put). */
  singlePutMax: number;
  /** Larger ones are copied in parts of this size, each a ranged get into an uploaded part. */
  partBytes: number;
}

const COPY_LIMITS: CopyLimits = { singlePutMax: 4096 * MiB, partBytes: 256 * MiB };

/** A readable of exactly `size` bytes: what put and uploadPart need. */
function sized(body: R2ObjectBody, size: number): { readable: ReadableStream; piped: Promise<void> } {
  const fixed = new FixedLengthStream(size);
  return { readable: fixed.readable, piped: body.body.pipeTo(fixed.writable) };
}

/** Copies one object (the binding has no copy); false when the source is gone (a concurrent move). */
async function copyObject(bucket: R2Bucket, src: RecordingObject, toKey: string, limits: CopyLimits): Promise<boolean> {
  if (src.size <= limits.singlePutMax) {
    const body = await bucket.get(src.key);
    if (!body) return false;
    const stream = sized(body, body.size);
    const [, stored] = await Promise.all([
      stream.piped,
      bucket.put(toKey, stream.readable, { httpMetadata: body.httpMetadata, customMetadata: body.customMetadata }),
    ]);
    if (!stored) throw new Error(`copying ${src.key} failed`);
    return true;
  }
  const head = await bucket.head(src.key);
  if (!head) return false;
  const upload = await bucket.createMultipartUpload(toKey, { httpMetadata: head.httpMetadata, customMetadata: head.customMetadata });
  try {
    const parts: R2UploadedPart[] = [];
    for (let offset = 0, n = 1; offset < head.size; offset += limits.partBytes, n++) {
      const length = Math.min(limits.partBytes, head.size - offset);
      const body = await bucket.get(src.key, { range: { offset, length } });
      if (!body) throw new Error(`${src.key} disappeared while being copied`);
      const stream = sized(body, length);
      const [, part] = await Promise.all([stream.piped, upload.uploadPart(n, stream.readable)]);
      parts.push(part);
    }
    await upload.complete(parts);
    return true;
  } catch (e) {
    await upload.abort().catch(() => undefined);
    throw e;
  }
}

/**
 * Moves every object of the recording under `to`: each is copied, then the sources are deleted.
 * Idempotent and safe to resume: an object already under the target wins and its source is only
 * deleted. Returns the number copied.
 */
export async function moveRecording(
  bucket: R2Bucket,
  recordId: string,
  to: Visibility,
  limits: CopyLimits = COPY_LIMITS,
): Promise<number> {
  const from: Visibility = to === 'published' ? 'unpublished' : 'published';
  const [sources, targets] = await Promise.all([
    listVisibility(bucket, recordId, from),
    listVisibility(bucket, recordId, to),
  ]);
  const present = new Set(targets.map((t) => `${t.format}/${t.path}`));
  let moved = 0;
  for (const src of sources) {
    if (present.has(`${src.format}/${src.path}`)) continue;
    if (await copyObject(bucket, src, objectKey(to, src.format, recordId, src.path), limits)) moved++;
  }
  await deleteKeys(bucket, sources.map((s) => s.key));
  return moved;
}

/**
 * Deletes every object of the recording: both visibilities and its text tracks, then its upload
 * manifest, last, so reindex never restores it. Returns the count of files.
 */
export async function deleteRecordingObjects(bucket: R2Bucket, recordId: string): Promise<number> {
  const [objects, tracks] = await Promise.all([
    listRecordingObjects(bucket, recordId),
    listAll(bucket, textTrackPrefix(recordId)),
  ]);
  const keys = [...objects.map((o) => o.key), ...tracks.map((t) => t.key)];
  await deleteKeys(bucket, keys);
  await bucket.delete(manifestKey(recordId));
  return keys.length;
}
