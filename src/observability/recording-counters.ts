import type { UploadedRecording } from '../recordings/ingest/indexing.js';
import type { Services } from '../services.js';
import { counterBatch } from './counters.js';

const meetingEnd = (upload: Pick<UploadedRecording, 'meta'>): number | null => {
  const end = upload.meta.endTime?.getTime();
  return end === undefined || Number.isNaN(end) ? null : end;
};

/**
 * When the node published a recording, as its metadata.xml tells: BBB writes no publish time, so
 * the end of the meeting plus the longest processing time of its formats; null without an end time.
 */
export function nodePublishedAt(upload: Pick<UploadedRecording, 'meta' | 'playback'>): number | null {
  const end = meetingEnd(upload);
  return end === null ? null : end + Math.max(0, ...upload.playback.map((p) => p.processingTime ?? 0));
}

/**
 * Counts a completed upload; a recording indexed for the first time also gives its import delay
 * and its delay from the end of the meeting (a re-upload of an old recording would only say how
 * old it is).
 */
export function countImported(svc: Services, upload: Pick<UploadedRecording, 'meta' | 'playback'>, first: boolean, now = Date.now()): void {
  const batch = counterBatch(svc);
  if (!batch) return;
  batch.add('scaleflare_recording_uploads_completed_total');
  if (!first) return;
  const published = nodePublishedAt(upload);
  const end = meetingEnd(upload);
  if (published !== null) batch.observe('scaleflare_recording_import_delay_seconds', {}, Math.max(0, (now - published) / 1000));
  if (end !== null) batch.observe('scaleflare_recording_publish_delay_seconds', {}, Math.max(0, (now - end) / 1000));
}
