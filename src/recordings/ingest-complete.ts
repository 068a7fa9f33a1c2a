/**
 * Finishing an upload: the node sends the manifest of every file it uploaded; the Worker checks
 * each one is stored with the declared size and SHA-256, reads and parses every format's
 * metadata.xml, puts the objects under the right prefix, then indexes the recording and
 * schedules its recording-ready callback in one Postgres transaction. Nothing is indexed until
 * everything checks out; repeating `complete` gives the same result.
 */
import { enqueueRecordingReady } from '../store/callbacks.js';
import { indexRecording } from '../store/recording-index.js';
import { fromNodeMeetingID } from '../tenancy/scope.js';
import { knownTenants } from '../tenancy/tenant.js';
import { claimOwnership, json, signedText, uploadVisibility, type IngestCall } from './ingest-call.js';
import { ingestErrors } from './ingest-errors.js';
import { MAX_MANIFEST_BYTES, parseManifest, renderManifest, type ManifestEntry } from './ingest-manifest.js';
import { MAX_METADATA_XML_BYTES, MetadataError, parseMetadataXml, type RecordingMetadata } from './metadata.js';
import { deleteKeys, listRecordingObjects, moveRecording, objectKey, type RecordingObject, type Visibility } from './objects.js';

const METADATA_XML = 'metadata.xml';
const fileKey = (o: { format: string; path: string }) => `${o.format}/${o.path}`;

/** The manifest entries that are not stored as declared, for the node to send again. */
function unmatched(manifest: ManifestEntry[], stored: Map<string, RecordingObject>): ManifestEntry[] {
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

/** POST complete/<recordID> with the manifest as body. */
export async function completeRecording(call: IngestCall): Promise<Response> {
  const { svc, bucket } = call;
  const recordId = call.target.recordId;
  const manifest = parseManifest(await signedText(call, MAX_MANIFEST_BYTES), svc.cfg.recordings.formats);
  const [pinned, objects] = await Promise.all([claimOwnership(call), listRecordingObjects(bucket, recordId)]);
  // A copy left under the other prefix by an earlier upload loses to where uploads go now.
  const current = uploadVisibility(svc, pinned);
  const ordered = [...objects.filter((o) => o.visibility !== current), ...objects.filter((o) => o.visibility === current)];
  const stored = new Map(ordered.map((o) => [fileKey(o), o]));

  const missing = unmatched(manifest, stored);
  if (missing.length > 0) {
    const sample = missing.slice(0, 10).map((e) => fileKey(e)).join(', ');
    throw ingestErrors.incomplete(`${missing.length} file(s) not stored as declared: ${sample}${missing.length > 10 ? ', …' : ''}.`);
  }
  // Formats in the order RECORDING_PLAYBACK_FORMATS lists them: the first one's metadata describes the recording.
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
  const owner = fromNodeMeetingID(metas[0]!.meetingId, new Set(await knownTenants(svc, { fresh: true })));
  const meta = { ...metas[0]!, meetingId: owner.meetingID };
  // An API publish/unpublish wins, then RECORDING_IMPORT_UNPUBLISHED, then what the node says.
  const published = pinned ?? (!svc.cfg.ingest.importUnpublished && meta.published);

  await placeObjects(bucket, recordId, published ? 'published' : 'unpublished', manifest, objects);
  const indexed = await indexRecording(
    svc.sql,
    {
      tenant: owner.tenant,
      serverId: call.caller.server.id,
      meta,
      published,
      protectByDefault: svc.cfg.recordings.protectByDefault,
      formats: metas.map((m) => ({ ...m.playback, size: m.playback.size ?? formatBytes(manifest, m.playback.format) })),
    },
    [enqueueRecordingReady(svc.cfg.callbacks, { tenant: owner.tenant, meetingID: meta.meetingId, recordID: recordId })],
  );
  if (!indexed) throw ingestErrors.foreignRecording('This recording belongs to another server.');
  return json({ recordID: recordId, published, formats });
}

function formatBytes(manifest: ManifestEntry[], format: string): number {
  return manifest.reduce((sum, e) => (e.format === format ? sum + e.size : sum), 0);
}

/**
 * Puts every object under the recording's prefix, and removes files of the completed formats
 * that the manifest no longer lists (left by an earlier, different upload).
 */
async function placeObjects(
  bucket: R2Bucket,
  recordId: string,
  visibility: Visibility,
  manifest: ManifestEntry[],
  objects: RecordingObject[],
): Promise<void> {
  await moveRecording(bucket, recordId, visibility);
  const listed = new Set(manifest.map(fileKey));
  const formats = new Set(manifest.map((e) => e.format));
  const stale = objects.filter((o) => formats.has(o.format) && !listed.has(fileKey(o)));
  await deleteKeys(bucket, stale.map((o) => objectKey(visibility, o.format, recordId, o.path)));
}

/** GET status/<recordID>: the files stored so far, in manifest form, so a re-run sends only the rest. */
export async function uploadStatus(call: IngestCall): Promise<Response> {
  await claimOwnership(call);
  const objects = await listRecordingObjects(call.bucket, call.target.recordId);
  const lines = objects
    .filter((o): o is RecordingObject & { sha256: string } => o.sha256 !== undefined)
    .map((o) => ({ format: o.format, path: o.path, size: o.size, sha256: o.sha256 }));
  return new Response(renderManifest(lines), {
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}
