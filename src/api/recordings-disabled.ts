import { errors } from '../bbb/errors.js';
import { renderError, renderResponse } from '../bbb/xml.js';
import { NO_RECORDINGS } from '../recordings/render.js';
import { xmlResponse } from './context.js';
import { jsonResponse, TEXT_TRACK_CALLS } from './recording-json.js';

/** RECORDING_DISABLED: Scalelite's stubs, answered before any checksum check. */

export const RECORDING_CALLS: ReadonlySet<string> = new Set([
  'getRecordings',
  'publishRecordings',
  'updateRecordings',
  'deleteRecordings',
  ...TEXT_TRACK_CALLS,
]);

export function recordingsDisabled(call: string): Response {
  if (call === 'getRecordings') {
    return xmlResponse(
      renderResponse({ returncode: 'SUCCESS', recordings: '', ...NO_RECORDINGS }),
    );
  }
  if (TEXT_TRACK_CALLS.has(call)) {
    return jsonResponse({ returncode: 'FAILED', messageKey: 'noRecordings', message: 'No recordings found.' });
  }
  return xmlResponse(renderError(errors.recordingsNotFound()));
}
