// BBB-shaped errors: every failure a client sees is <returncode>FAILED</returncode> with a
// messageKey and a message. Keys and messages are Scalelite's, so LMSs that match on them
// (Greenlight, Moodle) behave exactly as they do behind Scalelite.
import { HttpError, type HttpErrorCode } from '../http/error.js';

/** The frame's code for the keys another surface may meet (an admin call relaying a BBB answer). */
const CODES: Record<string, HttpErrorCode> = {
  checksumError: 'unauthenticated',
  notFound: 'not_found',
  validationError: 'validation_error',
  internalError: 'internal_error',
  serverUnavailable: 'unavailable',
};

/** An HttpError raised by its BBB messageKey, as BBB's and Scalelite's code raise them. */
export class BbbError extends HttpError {
  constructor(key: string, message: string) {
    super(CODES[key] ?? 'bad_request', message, { key });
  }
}

export const errors = {
  checksumError: () => new BbbError('checksumError', 'You did not pass the checksum security check'),
  notFound: () =>
    new BbbError(
      'notFound',
      'We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?',
    ),
  missingParamMeetingID: () =>
    new BbbError('missingParamMeetingID', 'You must specify a meeting ID for the meeting.'),
  unsupportedRequest: () => new BbbError('unsupportedRequest', 'This request is not supported.'),
  /** The HTML5 client's own calls (not in BBB or Scalelite: the key says where the call belongs). */
  nodeSessionCall: (call: string) =>
    new BbbError(
      'nodeSessionCall',
      `${call} is made by the BigBlueButton client to the node that issued its sessionToken (directly, or through the cluster proxy at /<basename>/bigbluebutton/api/${call}), not to the load balancer.`,
    ),
  unsupportedContentType: () =>
    new BbbError('unsupportedContentType', 'POST request Content-Type is missing or unsupported'),
  internalError: (message: string) => new BbbError('internalError', message),
  /** A tenant's limit (not in BBB or Scalelite: the key says which limit). */
  tenantLimit: (key: 'maxMeetingsReached' | 'maxAttendeesReached', message: string) => new BbbError(key, message),
  serverUnavailable: () =>
    new BbbError('serverUnavailable', 'The server for this meeting is disabled/offline.'),
  /** Admission control: every server that could take the meeting is at its capacity (docs/placement.md). */
  poolFull: () => new BbbError('serverCapacityReached', 'Every server that could host this meeting is at capacity; try again later.'),
  serverTagUnavailable: (tag: string) =>
    new BbbError('serverTagUnavailable', `There is no available server with the required tag=${tag}.`),
  missingParameters: () =>
    new BbbError('missingParameters', 'param meetingID or recordID must be included.'),
  missingParamRecordID: () => new BbbError('missingParamRecordID', 'You must specify a recordID.'),
  missingParamPublish: () =>
    new BbbError('missingParamPublish', 'You must specify a publish value true or false.'),
  recordingsNotFound: () => new BbbError('notFound', 'We could not find recordings'),
  // Malformed input: bad encoding, control characters, repeated parameters, size limits.
  validationError: (message: string) => new BbbError('validationError', message),
  // BBB's own wording for a meetingID over 256 characters or containing a comma.
  invalidMeetingId: () => new BbbError('validationError', 'Invalid meeting ID'),
} as const;
