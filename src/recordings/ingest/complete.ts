/**
 * Finishing an upload: the node sends the manifest of every file it uploaded; the Worker checks
 * each one is stored with the declared size and SHA-256, reads and parses every format's
 * metadata.xml, puts the objects under the right prefix, then indexes the recording and
 * schedules its recording-ready callback in one Postgres transaction, and last keeps the manifest
 * in R2 (what reindex restores from). Nothing is indexed until everything checks out; repeating
 * `complete` gives the same result. The callback is attempted once the node has its answer.
 */
import { log } from '../../observability/log.js';
import { enqueueRecordingReady } from '../../store/callbacks.js';
import { forgetProcessing } from '../../store/recording-processing.js';
import { knownTenants } from '../../tenancy/tenant.js';
import { deliverSoon } from '../callbacks/delivery.js';
import { claimOwnership, json, signedText, uploadPublished, uploadVisibility, type IngestCall } from './call.js';
import { ingestErrors } from './errors.js';
import { byFile, fileKey, indexUpload, readUpload, storeManifest, unmatched } from './indexing.js';
import { MAX_MANIFEST_BYTES, parseManifest, renderManifest, type ManifestEntry } from './manifest.js';
import { deleteKeys, listRecordingObjects, moveRecording, objectKey, type RecordingObject, type Visibility } from '../objects.js';
import { countImported } from '../../observability/recording-counters.js';

/** POST complete/<recordID> with the manifest as body. */
export async function completeRecording(call: IngestCall): Promise<Response> {
  const { svc, bucket } = call;
  const recordId = call.target.recordId;
  const serverId = call.caller.server.id;
  const manifest = parseManifest(await signedText(call, MAX_MANIFEST_BYTES), svc.cfg.recordings.formats);
  const [indexed, objects] = await Promise.all([claimOwnership(call), listRecordingObjects(bucket, recordId)]);
  // A copy left under the other prefix by an earlier upload loses to where uploads go now.
  const current = uploadVisibility(svc, indexed);
  const stored = byFile([...objects.filter((o) => o.visibility !== current), ...objects.filter((o) => o.visibility === current)]);

  const missing = unmatched(manifest, stored);
  if (missing.length > 0) {
    const sample = missing.slice(0, 10).map((e) => fileKey(e)).join(', ');
    throw ingestErrors.incomplete(`${missing.length} file(s) not stored as declared: ${sample}${missing.length > 10 ? ', …' : ''}.`);
  }
  const upload = await readUpload(svc, bucket, recordId, manifest, stored, new Set(await knownTenants(svc, { fresh: true })));
  // The index wins (an API publish/unpublish, or the first upload's decision), then
  // RECORDING_IMPORT_UNPUBLISHED, then what the node says.
  const published = uploadPublished(svc, indexed, upload.meta.published);

  await placeObjects(bucket, recordId, published ? 'published' : 'unpublished', manifest, objects);
  const ready = enqueueRecordingReady(svc.cfg.callbacks, { tenant: upload.tenant, meetingID: upload.meta.meetingId, recordID: recordId });
  // Indexed, it is no longer processing: the same transaction forgets what the node's hooks reported.
  const queued = await indexUpload(svc, upload, serverId, published, [ready, forgetProcessing(recordId)]);
  if (!queued) throw ingestErrors.foreignRecording('This recording belongs to another server.');
  log('notice', 'recording indexed', { tenant: upload.tenant, recordID: recordId, meetingID: upload.meta.meetingId, server: serverId, published });
  // Written last: its presence says the upload finished (docs/recordings.md, reindex).
  await storeManifest(bucket, recordId, serverId, manifest);
  // The frontend hears at once, as from BBB, without the node's uploader waiting for it.
  deliverSoon(svc, queued, call.waitUntil);
  countImported(svc, upload, indexed === null);
  return json({ recordID: recordId, published, formats: upload.formats });
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
