// BBB-shaped errors: every failure a client sees is <returncode>FAILED</returncode> with a
// messageKey and a message. Keys and messages are Scalelite's, so LMSs that match on them
// (Greenlight, Moodle) behave exactly as they do behind Scalelite.

export class BbbError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'BbbError';
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
