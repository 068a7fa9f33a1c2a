import { BbbError } from '../bbb/errors.js';
import { param } from '../bbb/query.js';
import { listTextTracks } from '../recordings/text-tracks.js';
import { findExact, RECORDING_STATES } from '../store/recordings.js';
import type { ApiCall, Handler } from './context.js';
import { jsonResponse } from './recording-json.js';

const LIVE_STATES = RECORDING_STATES.filter((s) => s !== 'deleted');

/** The one recording a text-track call is about; BBB's JSON error keys. */
export async function textTrackRecording(call: ApiCall): Promise<string> {
  const recordID = param(call.params, 'recordID')?.trim();
  if (!recordID) throw new BbbError('paramError', 'Missing param recordId.');
  const [found] = await findExact(call.svc.sql, call.tenant.id, [recordID], LIVE_STATES);
  if (!found) throw new BbbError('noRecordings', `No recording found for ${recordID}`);
  return found.recordID;
}

export const getRecordingTextTracks: Handler = async (call) => {
  const recordID = await textTrackRecording(call);
  const tracks = await listTextTracks(call.svc.recordings, call.origin, recordID);
  return jsonResponse({ returncode: 'SUCCESS', tracks });
};
