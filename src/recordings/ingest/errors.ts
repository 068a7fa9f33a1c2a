/**
 * Ingest failures as JSON with a stable code, so the node-side script can tell "retry later"
 * from "this will never work" (docs/recordings-ingest.md lists every code; src/http/error.ts
 * gives each its status).
 */
import { HttpError, type HttpErrorCode } from '../../http/error.js';

/** What the ingest API throws: the frame's one error class. */
export { HttpError as IngestError };

const fail = (code: HttpErrorCode) => (message: string) => new HttpError(code, message);

export const ingestErrors = {
  badRequest: fail('bad_request'),
  invalidPath: fail('invalid_path'),
  unknownFormat: fail('unknown_format'),
  digestMismatch: fail('digest_mismatch'),
  sizeMismatch: fail('size_mismatch'),
  unauthenticated: fail('unauthenticated'),
  badSignature: fail('bad_signature'),
  staleTimestamp: fail('stale_timestamp'),
  foreignRecording: fail('foreign_recording'),
  disabled: fail('recordings_disabled'),
  notFound: fail('not_found'),
  incomplete: fail('incomplete'),
  deleted: fail('recording_deleted'),
  lengthRequired: fail('length_required'),
  tooLarge: fail('too_large'),
  missingMetadata: fail('missing_metadata'),
  invalidMetadata: fail('invalid_metadata'),
  unavailable: fail('unavailable'),
};
