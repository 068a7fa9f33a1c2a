/**
 * What `complete` and reindex share: checking a manifest against the stored objects, reading
 * every format's metadata.xml into what the index keeps, writing that index entry, and the
 * manifest of a completed upload kept in R2 (`manifests/<recordID>`, the node's server id in its
 * custom metadata), which marks the upload as finished and is what reindex restores from.
 */
import type { Services } from '../../services.js';
import type { Statement } from '../../store/postgres.js';
import { indexRecording } from '../../store/recording-index.js';
import { fromNodeMeetingID } from '../../tenancy/scope.js';
import { ingestErrors } from './errors.js';
import { parseManifest, renderManifest, type ManifestEntry } from './manifest.js';
import { MAX_METADATA_XML_BYTES, MetadataError, parseMetadataXml, type PlaybackFormat, type RecordingMetadata } from '../metadata.js';
import { manifestKey, type RecordingObject } from '../objects.js';

const METADATA_XML = 'metadata.xml';
const SERVER_META = 'server';

export const fileKey = (o: { format: string; path: string }) => `${o.format}/${o.path}`;

/** The stored objects by `<format>/<path>`. */
export const byFile = (objects: readonly RecordingObject[]) => new Map(objects.map((o) => [fileKey(o), o]));

/** The manifest entries that are not stored as declared. */
export function unmatched(manifest: readonly ManifestEntry[], stored: ReadonlyMap<string, RecordingObject>): ManifestEntry[] {
  return manifest.filter((e) => {
    const o = stored.get(fileKey(e));
    return !o || o.size !== e.size || o.sha256 !== e.sha256;
  });
}

async function readMetadata(bucket: R2Bucket, o: RecordingObject, recordId: string): Promise<RecordingMetadata> {
  if (o.size > MAX_METADATA_XML_BYTES) throw ingestErrors.invalidMetadata(`${o.format}/metadata.xml is larger than ${MAX_METADATA_XML_BYTES} bytes.`);
  const body = await bucket.get(o.key);
  if (!body) throw ingestErrors.incomplete(`${o.format}/metadata.xml disappeared while completing; upload it again.`);
  let meta: RecordingMetadata;
  try {
    meta = parseMetadataXml(await body.text());
  } catch (e) {
    if (e instanceof MetadataError) throw ingestErrors.invalidMetadata(`${o.format}/metadata.xml: ${e.message}.`);
    throw e;
  }
  if (meta.recordId !== recordId) throw ingestErrors.invalidMetadata(`${o.format}/metadata.xml is for another recording.`);
  if (meta.playback.format !== o.format) throw ingestErrors.invalidMetadata(`${o.format}/metadata.xml describes the ${meta.playback.format} format.`);
  return meta;
}

/** A completed upload, read: ready to be indexed. */
export interface UploadedRecording {
  tenant: string;
  /** The first format's metadata, with the frontend's meetingID. */
  meta: RecordingMetadata;
  /** In the order RECORDING_PLAYBACK_FORMATS lists them. */
  formats: string[];
  playback: PlaybackFormat[];
}

/** Reads every format's metadata.xml of a manifest whose files are all `stored`. */
export async function readUpload(
  svc: Services,
  bucket: R2Bucket,
  recordId: string,
  manifest: readonly ManifestEntry[],
  stored: ReadonlyMap<string, RecordingObject>,
  tenants: ReadonlySet<string>,
): Promise<UploadedRecording> {
  // The first format's metadata describes the recording.
  const formats = svc.cfg.recordings.formats.filter((f) => manifest.some((e) => e.format === f));
  const metas: RecordingMetadata[] = [];
  for (const format of formats) {
    const xml = stored.get(`${format}/${METADATA_XML}`);
    if (!xml || !manifest.some((e) => e.format === format && e.path === METADATA_XML)) {
      throw ingestErrors.missingMetadata(`The ${format} format has no metadata.xml.`);
    }
    metas.push(await readMetadata(bucket, xml, recordId));
  }
  // The node knows the tenant's meeting by its scoped ID; the index keeps the frontend's.
  const owner = fromNodeMeetingID(metas[0]!.meetingId, tenants);
  const bytes = (format: string) => manifest.reduce((sum, e) => (e.format === format ? sum + e.size : sum), 0);
  return {
    tenant: owner.tenant,
    meta: { ...metas[0]!, meetingId: owner.meetingID },
    formats,
    playback: metas.map((m) => ({ ...m.playback, size: m.playback.size ?? bytes(m.playback.format) })),
  };
}

/** Writes the index entry in one transaction with `extra`: the deliveries it queued, or null when another server owns the record id. */
export async function indexUpload(svc: Services, r: UploadedRecording, serverId: string, published: boolean, extra: Statement[]): Promise<string[] | null> {
  const entry = { tenant: r.tenant, serverId, meta: r.meta, published, protectByDefault: svc.cfg.recordings.protectByDefault, formats: r.playback };
  return indexRecording(svc.sql, entry, extra);
}

/** Keeps the manifest of a completed upload in R2. */
export async function storeManifest(bucket: R2Bucket, recordId: string, serverId: string, manifest: readonly ManifestEntry[]): Promise<void> {
  await bucket.put(manifestKey(recordId), renderManifest(manifest), {
    httpMetadata: { contentType: 'text/plain; charset=utf-8' },
    customMetadata: { [SERVER_META]: serverId },
  });
}

/** The manifest `complete` kept and the server that uploaded it; undefined when there is none. */
export async function readManifest(
  bucket: R2Bucket,
  recordId: string,
  formats: readonly string[],
): Promise<{ serverId: string; manifest: ManifestEntry[] } | undefined> {
  const body = await bucket.get(manifestKey(recordId));
  const serverId = body?.customMetadata?.[SERVER_META];
  if (!body || !serverId) return undefined;
  return { serverId, manifest: parseManifest(await body.text(), formats) };
}
