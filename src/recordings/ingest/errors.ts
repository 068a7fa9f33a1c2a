/**
 * Ingest failures as JSON with a stable code, so the node-side script can tell "retry later"
 * from "this will never work" (docs/recordings-ingest.md lists every code).
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const fail = (status: ContentfulStatusCode, code: string) => (message: string) => new IngestError(status, code, message);

export const ingestErrors = {
  badRequest: fail(400, 'bad_request'),
  invalidPath: fail(400, 'invalid_path'),
  unknownFormat: fail(400, 'unknown_format'),
  digestMismatch: fail(400, 'digest_mismatch'),
  sizeMismatch: fail(400, 'size_mismatch'),
  unauthenticated: fail(401, 'unauthenticated'),
  badSignature: fail(401, 'bad_signature'),
  staleTimestamp: fail(401, 'stale_timestamp'),
  foreignRecording: fail(403, 'foreign_recording'),
  disabled: fail(403, 'recordings_disabled'),
  notFound: fail(404, 'not_found'),
  incomplete: fail(409, 'incomplete'),
  deleted: fail(410, 'recording_deleted'),
  lengthRequired: fail(411, 'length_required'),
  tooLarge: fail(413, 'too_large'),
  missingMetadata: fail(422, 'missing_metadata'),
  invalidMetadata: fail(422, 'invalid_metadata'),
  unavailable: fail(503, 'unavailable'),
};

export function errorBody(e: IngestError): { error: { code: string; message: string } } {
  return { error: { code: e.code, message: e.message } };
}
