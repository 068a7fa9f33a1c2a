import { errors } from '../bbb/errors.js';
import { param } from '../bbb/query.js';
import { renderResponse } from '../bbb/xml.js';
import { metaParams, requireRecordIDs } from '../recordings/query.js';
import { updateRecordings as applyUpdate, type RecordingUpdate } from '../store/recordings.js';
import { forgetPlaybackState } from '../recordings/playback/state.js';
import { xmlResponse, type Handler } from './context.js';

function protect(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw errors.validationError('protect must be true or false.');
  return v === 'true';
}

/**
 * Metadata (keys lowercased; an empty value deletes the key) and `protect`, for EVERY listed
 * recording in one statement (Scalelite protects only the first). When any ID is unknown or
 * another tenant's, nothing changes and the answer is `updated=false`, as Scalelite.
 */
export const updateRecordings: Handler = async (call) => {
  const recordIDs = requireRecordIDs(call.params);
  const update: RecordingUpdate = { set: {}, remove: [] };
  for (const [key, value] of metaParams(call.params)) {
    if (value === '') update.remove.push(key);
    else update.set[key] = value;
  }
  const p = protect(param(call.params, 'protect'));
  if (p !== undefined) update.protect = p;
  const anything = update.remove.length > 0 || Object.keys(update.set).length > 0 || p !== undefined;
  const updated = anything && (await applyUpdate(call.svc.sql, call.tenant.id, recordIDs, update));
  if (updated) forgetPlaybackState(call.tenant.id, recordIDs);
  return xmlResponse(renderResponse({ returncode: 'SUCCESS', updated }));
};
