/**
 * What an ingest URL names: a verb, a record id, and for file operations a format and a path
 * inside `<format>/<recordID>/`. Every segment is decoded once and then checked, so encoded
 * tricks (`%2e%2e`, `%2f`, `%5c`, `%00`) are refused instead of reaching an object key.
 */
import { RECORD_ID } from '../../ids.js';
import { ingestErrors } from './errors.js';

/** Where the ingest API is mounted. */
export const INGEST_PREFIX = '/recordings/ingest/v1';

const FORMAT = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// Control characters and the backslash never appear in a recording's file names.
const BAD_CHARS = /[\x00-\x1f\x7f\\]/;
const MAX_PATH = 1024;
const MAX_DEPTH = 32;

export interface FileRef {
  recordId: string;
  format: string;
  /** Relative path inside `<format>/<recordID>/`. */
  path: string;
}

export function assertRecordId(id: string): string {
  if (!RECORD_ID.test(id)) throw ingestErrors.badRequest('The record id is not a valid BBB record id.');
  return id;
}

export function assertFormat(format: string, allowed: readonly string[]): string {
  if (!FORMAT.test(format) || !allowed.includes(format)) {
    throw ingestErrors.unknownFormat(`The format is not one of RECORDING_PLAYBACK_FORMATS (${allowed.join(', ')}).`);
  }
  return format;
}

/** A relative file path, already decoded; refused when it could escape or is not a plain name. */
export function assertFilePath(path: string): string {
  const parts = path.split('/');
  const bad =
    path.length === 0 ||
    path.length > MAX_PATH ||
    parts.length > MAX_DEPTH ||
    BAD_CHARS.test(path) ||
    parts.some((p) => p === '' || p === '.' || p === '..');
  if (bad) throw ingestErrors.invalidPath('The file path must be relative, without empty, "." or ".." segments, backslashes or control characters.');
  return path;
}

function decodeSegment(raw: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw ingestErrors.invalidPath('The path is not valid percent-encoded UTF-8.');
  }
  // An encoded slash would hide a segment from the checks below.
  if (s.includes('/')) throw ingestErrors.invalidPath('A path segment may not contain an encoded "/".');
  return s;
}

/** Splits `<verb>/<recordId>[/<format>/<path…>]` (the part after the ingest prefix). */
export function parseTarget(rest: string): { verb: string; recordId: string; file: (allowed: readonly string[]) => FileRef } {
  const [verb = '', rawId = '', rawFormat, ...rawPath] = rest.split('/');
  const recordId = assertRecordId(decodeSegment(rawId));
  return {
    verb,
    recordId,
    file: (allowed) => {
      if (rawFormat === undefined || rawPath.length === 0) throw ingestErrors.invalidPath('Expected <format>/<path> after the record id.');
      return {
        recordId,
        format: assertFormat(decodeSegment(rawFormat), allowed),
        path: assertFilePath(rawPath.map(decodeSegment).join('/')),
      };
    },
  };
}
