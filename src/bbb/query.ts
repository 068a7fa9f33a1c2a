// Parsing of raw query strings (and url-encoded form bodies) into ordered parameters.
// Strict on purpose: a malformed escape or invalid UTF-8 is rejected rather than guessed at,
// since the checksum was computed over bytes we must interpret exactly as the client meant.

import { errors } from './errors.js';
import { exceedsUtf8Bytes } from './text.js';

/** Parameters in order of appearance; repeated keys appear once per occurrence. */
export type Params = ReadonlyArray<readonly [string, string]>;

/** Above what BBB's own web server accepts for a request line, so no legitimate call is cut. */
export const MAX_QUERY_BYTES = 16 * 1024;

export function checkQuerySize(raw: string): void {
  if (exceedsUtf8Bytes(raw, MAX_QUERY_BYTES)) {
    throw errors.validationError(`The query string is longer than ${MAX_QUERY_BYTES} bytes.`);
  }
}

// C0 controls and DEL, except tab, LF and CR: multi-line values (e.g. a welcome message typed
// into Moodle's textarea) are legitimate, and all three are representable in XML.
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

function decodeComponent(s: string): string {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!spaced.includes('%')) return spaced;
  if (BAD_ESCAPE.test(spaced)) {
    throw errors.validationError('Invalid percent-encoding in the request parameters.');
  }
  // decodeURIComponent is strict about UTF-8 (overlong forms, surrogates, truncated sequences).
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw errors.validationError('Invalid UTF-8 in the request parameters.');
  }
}

export function parseQuery(raw: string): Params {
  const params: Array<readonly [string, string]> = [];
  if (raw === '') return params;
  // Without escapes a control character can only be in the raw text itself: one test covers every parameter.
  const escaped = raw.includes('%');
  if (!escaped) assertNoControlChars(raw, '');
  for (const segment of raw.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const key = decodeComponent(eq === -1 ? segment : segment.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(segment.slice(eq + 1));
    if (escaped) assertNoControlChars(key, value);
    params.push([key, value]);
  }
  return params;
}

/** Refuses control characters in a parameter name or value (tab, LF and CR excepted). */
export function assertNoControlChars(key: string, value: string): void {
  if (CONTROL.test(key) || CONTROL.test(value)) {
    throw errors.validationError('Request parameters must not contain control characters.');
  }
}

/** The first value of `name`, or undefined when absent. */
export function param(params: Params, name: string): string | undefined {
  for (const [k, v] of params) if (k === name) return v;
  return undefined;
}

/** Rejects any parameter given more than once, except those listed (e.g. filters that may repeat). */
export function assertNoRepeats(params: Params, except: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const [k] of params) {
    if (seen.has(k) && !except.includes(k)) {
      throw errors.validationError(`Parameter ${k} must not be repeated.`);
    }
    seen.add(k);
  }
}

/** BBB's meetingID rule: at most 256 characters, no comma (commas separate IDs in getRecordings). */
export function assertValidMeetingId(meetingID: string): void {
  if (meetingID.length > 256 || meetingID.includes(',')) throw errors.invalidMeetingId();
}

/** The raw query string exactly as the client sent it: checksums are computed over it. */
export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const hash = url.indexOf('#', q);
  return url.slice(q + 1, hash < 0 ? undefined : hash);
}
