/**
 * POST files/<recordID>: many small files in one signed request (body: batch-body.ts). The
 * signature covers the list, the list names each file's size and SHA-256, and R2 refuses any file
 * whose bytes do not hash to it: every stored file is as authentic as one sent alone. Files are
 * stored as they arrive, a few puts at a time; a batch cut short keeps the files it delivered
 * whole (each is an R2 object or nothing), which `status` then lists, so a re-run sends the rest.
 */
import { objectKey } from '../objects.js';
import { checkedText, declaredLength, json, ownedVisibility, type IngestCall } from './call.js';
import { BatchReader, MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES } from './batch-body.js';
import { ingestErrors } from './errors.js';
import { putChecked } from './files.js';
import { parseManifest } from './manifest.js';

/** R2 puts of one batch in flight at once (each holds its file in memory). */
const PUTS_IN_FLIGHT = 6;

export async function putFiles(call: IngestCall): Promise<Response> {
  const { svc, bucket } = call;
  const recordId = call.target.recordId;
  const length = declaredLength(call, svc.cfg.ingest.maxRequestBytes);
  const body = new BatchReader(call.req.body ?? new Blob([]).stream());
  const [visibility, list] = await Promise.all([ownedVisibility(call), body.list()]);
  const entries = parseManifest(await checkedText(list, call.caller.contentSha256, 'The batch\'s list'), svc.cfg.recordings.formats);
  if (entries.length > MAX_BATCH_FILES) throw ingestErrors.tooLarge(`A batch holds at most ${MAX_BATCH_FILES} files.`);
  const tooBig = entries.find((e) => e.size > Math.min(MAX_BATCH_FILE_BYTES, svc.cfg.ingest.maxFileBytes));
  if (tooBig) throw ingestErrors.tooLarge(`${tooBig.format}/${tooBig.path}: files above ${MAX_BATCH_FILE_BYTES} bytes are sent alone.`);
  if (list.length + entries.reduce((sum, e) => sum + e.size, 0) !== length) {
    throw ingestErrors.sizeMismatch('The body is not the list followed by exactly the files it lists.');
  }

  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for (const e of entries) {
      const name = `${e.format}/${e.path}`;
      const bytes = await body.take(e.size, name);
      const put: Promise<void> = putChecked(bucket, objectKey(visibility, e.format, recordId, e.path), { recordId, ...e }, bytes, e.sha256)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => running.delete(put));
      running.add(put);
      if (running.size >= PUTS_IN_FLIGHT) await Promise.race(running);
      if (failure) break;
    }
  } finally {
    // Files already on their way are stored (or refused) whole before the answer.
    await Promise.all(running);
  }
  if (failure) throw failure.error;
  return json({ stored: entries.length }, 201);
}
