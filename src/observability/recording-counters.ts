import type { UploadedRecording } from '../recordings/ingest-index.js';
import type { Services } from '../services.js';
import { counterBatch } from './counters.js';

/**
 * When the node published a recording, as its metadata.xml tells: BBB writes no publish time, so
 * the end of the meeting plus the longest processing time of its formats; null without an end time.
 */
export function nodePublishedAt(upload: Pick<UploadedRecording, 'meta' | 'playback'>): number | null {
  const end = upload.meta.endTime?.getTime();
  if (end === undefined || Number.isNaN(end)) return null;
  return end + Math.max(0, ...upload.playback.map((p) => p.processingTime ?? 0));
}

/**
 * Counts a completed upload; a recording indexed for the first time also gives its import delay
 * (a re-upload of an old recording would only say how old it is).
 */
export function countImported(svc: Services, upload: Pick<UploadedRecording, 'meta' | 'playback'>, first: boolean, now = Date.now()): void {
  const batch = counterBatch(svc);
  if (!batch) return;
  batch.add('scaleflare_recording_uploads_completed_total');
  const published = first ? nodePublishedAt(upload) : null;
  if (published !== null) batch.observe('scaleflare_recording_import_delay_seconds', {}, Math.max(0, (now - published) / 1000));
}
