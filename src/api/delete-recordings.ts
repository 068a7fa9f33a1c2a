import { errors } from '../bbb/errors.js';
import { renderResponse } from '../bbb/xml.js';
import { deleteRecordingObjects } from '../recordings/objects.js';
import { requireRecordIDs } from '../recordings/query.js';
import { findExact, markDeleted, RECORDING_STATES } from '../store/recordings.js';
import { forgetPlaybackState } from '../recordings/playback/state.js';
import { xmlResponse, type Handler } from './context.js';
import { failAs } from './recording-failures.js';

/**
 * Deletes every file of the recording, published AND unpublished, and its text tracks (unlike
 * Scalelite #1196), then marks the row deleted. Already deleted recordings are swept again, so
 * repeating a delete that failed half-way finishes it.
 */
export const deleteRecordings: Handler = async (call) => {
  const recordIDs = requireRecordIDs(call.params);
  const found = await findExact(call.svc.sql, call.tenant.id, recordIDs, RECORDING_STATES);
  if (found.length === 0) throw errors.recordingsNotFound();
  await Promise.all(
    found.map(async (r) => {
      await deleteRecordingObjects(call.svc.recordings, r.recordID);
      await markDeleted(call.svc.sql, call.tenant.id, r.recordID);
    }),
  )
    .catch(failAs('Unable to delete recording.'))
    .finally(() => forgetPlaybackState(call.tenant.id, recordIDs));
  return xmlResponse(renderResponse({ returncode: 'SUCCESS', deleted: true }));
};
