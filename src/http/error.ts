import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Every refusal any surface answers: a stable code (the wire code of the JSON surfaces), a
 * sentence for people, and what the surface's own shape needs besides. The BBB API answers every
 * code as XML (or JSON for the text-track calls) with `key` as its messageKey, status 200 as BBB;
 * the JSON surfaces answer `{error:{code,message,issues?}}` with the code's status below.
 */
export const HTTP_STATUS = {
  // 400: the request is malformed.
  bad_request: 400,
  validation_error: 400,
  invalid_json: 400,
  invalid_request: 400,
  invalid_cursor: 400,
  unsupported_content_type: 400,
  invalid_path: 400,
  unknown_format: 400,
  digest_mismatch: 400,
  size_mismatch: 400,
  // 401/403: who is asking.
  unauthenticated: 401,
  unauthorized: 401,
  bad_signature: 401,
  stale_timestamp: 401,
  foreign_recording: 403,
  recordings_disabled: 403,
  // 404: nothing there.
  not_found: 404,
  admin_api_disabled: 404,
  // 409-422: the state forbids it.
  conflict: 409,
  basename_taken: 409,
  default_tenant: 409,
  last_secret: 409,
  no_rotation: 409,
  node_not_switched: 409,
  poll_running: 409,
  rotation_pending: 409,
  same_secret: 409,
  same_server: 409,
  tenant_in_use: 409,
  incomplete: 409,
  recording_deleted: 410,
  length_required: 411,
  multitenancy_disabled: 412,
  body_too_large: 413,
  too_large: 413,
  unprocessable: 422,
  missing_metadata: 422,
  invalid_metadata: 422,
  // 5xx: not the caller's fault.
  internal_error: 500,
  node_error: 502,
  node_unreachable: 502,
  unavailable: 503,
  invalid_configuration: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type HttpErrorCode = keyof typeof HTTP_STATUS;

/** A field at fault, for `issues` in the admin API's answers. */
export interface Issue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  override name = 'HttpError';
  /** The BBB API's messageKey (Scalelite's keys); the code where no BBB key was given. */
  readonly key: string;
  readonly issues?: Issue[];

  constructor(
    readonly code: HttpErrorCode,
    message: string,
    o: { key?: string; issues?: Issue[] } = {},
  ) {
    super(message);
    this.key = o.key ?? code;
    if (o.issues) this.issues = o.issues;
  }

  get status(): ContentfulStatusCode {
    return HTTP_STATUS[this.code];
  }

  /** The JSON surfaces' error body. */
  body(): { error: { code: string; message: string; issues?: Issue[] } } {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }
}
