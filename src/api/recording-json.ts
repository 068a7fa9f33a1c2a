import { BbbError, errors } from '../bbb/errors.js';
import { describeError, log } from '../observability/log.js';

/** getRecordingTextTracks and putRecordingTextTrack answer JSON, errors included, as BBB. */

export const TEXT_TRACK_CALLS: ReadonlySet<string> = new Set(['getRecordingTextTracks', 'putRecordingTextTrack']);

export function jsonResponse(response: Record<string, unknown>): Response {
  return new Response(JSON.stringify({ response }), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
}

export function jsonError(e: unknown): Response {
  if (!(e instanceof BbbError)) log('error', 'BBB API call failed', { error: describeError(e) });
  const err = e instanceof BbbError ? e : errors.internalError('An internal error occurred.');
  return jsonResponse({ returncode: 'FAILED', messageKey: err.key, message: err.message });
}
