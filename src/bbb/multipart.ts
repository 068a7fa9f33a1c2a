// The text fields of a multipart/form-data body (RFC 7578), in order. File parts are skipped:
// BBB calls take parameters, and documents travel as XML bodies or URLs.
// Parsed by hand rather than with Response.formData() so that field values are decoded as
// strict UTF-8 (formData() silently substitutes U+FFFD) and order is kept exactly.

import { errors } from './errors.js';
import { assertNoControlChars } from './query.js';
import { decodeUtf8Strict } from './text.js';

const CR = 13;
const LF = 10;
const DASH = 45;

function invalid(): Error {
  return errors.validationError('Malformed multipart/form-data body.');
}

function startsAt(hay: Uint8Array, needle: Uint8Array, at: number): boolean {
  for (let j = 0; j < needle.length; j++) if (hay[at + j] !== needle[j]) return false;
  return true;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  if (first === undefined) return -1;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    if (startsAt(hay, needle, i)) return i;
  }
  return -1;
}

function boundaryOf(contentType: string): string {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined || boundary.length > 70) throw invalid();
  return boundary;
}

/** Returns the field name, or undefined for a file part. */
function fieldName(headerBytes: Uint8Array): string | undefined {
  const headers = decodeUtf8Strict(headerBytes);
  if (headers === undefined) throw invalid();
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const value = line.slice(colon + 1);
    if (!/^\s*form-data\s*(;|$)/i.test(value)) throw invalid();
    if (/;\s*filename\*?\s*=/i.test(value)) return undefined;
    const m = /;\s*name\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(value);
    const name = m?.[1] ?? m?.[2];
    if (name === undefined) throw invalid();
    return name;
  }
  throw invalid();
}

export function parseMultipartFields(body: Uint8Array, contentType: string): Array<readonly [string, string]> {
  const enc = new TextEncoder();
  const boundary = boundaryOf(contentType);
  const first = enc.encode(`--${boundary}`);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  const headerEnd = enc.encode('\r\n\r\n');

  // The first delimiter may open the body or follow a preamble.
  let pos: number;
  if (startsAt(body, first, 0)) pos = first.length;
  else {
    const at = indexOf(body, delimiter, 0);
    if (at === -1) throw invalid();
    pos = at + delimiter.length;
  }

  const fields: Array<readonly [string, string]> = [];
  for (;;) {
    if (body[pos] === DASH && body[pos + 1] === DASH) return fields; // closing delimiter; epilogue ignored
    while (body[pos] === 32 || body[pos] === 9) pos++; // transport padding
    if (body[pos] !== CR || body[pos + 1] !== LF) throw invalid();
    pos += 2;
    // Headers end at an empty line; a part may have no headers at all (then it has no name).
    const headersEnd = body[pos] === CR && body[pos + 1] === LF ? pos - 2 : indexOf(body, headerEnd, pos);
    if (headersEnd === -1) throw invalid();
    const contentStart = headersEnd + 4;
    const contentEnd = indexOf(body, delimiter, contentStart);
    if (contentEnd === -1) throw invalid();
    const name = fieldName(body.subarray(pos, Math.max(pos, headersEnd)));
    if (name !== undefined) {
      const value = decodeUtf8Strict(body.subarray(contentStart, contentEnd));
      if (value === undefined) throw errors.validationError('Request body is not valid UTF-8.');
      assertNoControlChars(name, value);
      fields.push([name, value]);
    }
    pos = contentEnd + delimiter.length;
  }
}
