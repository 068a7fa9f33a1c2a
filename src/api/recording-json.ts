import { errors } from '../bbb/errors.js';
import { HttpError } from '../http/error.js';
import { describeError, log } from '../observability/log.js';

/** getRecordingTextTracks and putRecordingTextTrack answer JSON, errors included, as BBB (`errors: 'json'` in CALLS). */

export function jsonResponse(response: Record<string, unknown>): Response {
  return new Response(JSON.stringify({ response }), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
}

export function jsonError(e: unknown): Response {
  if (!(e instanceof HttpError)) log('error', 'BBB API call failed', { error: describeError(e) });
  const err = e instanceof HttpError ? e : errors.internalError('An internal error occurred.');
  return jsonResponse({ returncode: 'FAILED', messageKey: err.key, message: err.message });
}
