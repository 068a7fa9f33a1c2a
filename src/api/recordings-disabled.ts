import { errors } from '../bbb/errors.js';
import { renderError, renderResponse } from '../bbb/xml.js';
import { NO_RECORDINGS } from '../recordings/render.js';
import { xmlResponse } from './context.js';
import { jsonResponse } from './recording-json.js';

/** RECORDING_DISABLED: Scalelite's stubs, answered before any checksum check (the `disabled` of CALLS' recording calls). */
export function recordingsDisabled(call: string, format: 'xml' | 'json'): Response {
  if (format === 'json') return jsonResponse({ returncode: 'FAILED', messageKey: 'noRecordings', message: 'No recordings found.' });
  if (call === 'getRecordings') return xmlResponse(renderResponse({ returncode: 'SUCCESS', recordings: '', ...NO_RECORDINGS }));
  return xmlResponse(renderError(errors.recordingsNotFound()));
}
