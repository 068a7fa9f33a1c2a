import { errors } from '../bbb/errors.js';
import { param, type Params } from '../bbb/query.js';
import type { RecordingsConfig } from '../config.js';
import { RECORDING_STATES, type RecordingFilter, type RecordingState, type RecordingWindow } from '../store/recordings.js';

/** The parameters of the recordings calls, parsed and bounded (reference/bbb-api.md §1.3). */

/** More IDs than any LMS sends at once (Moodle: 25); a bound on the statement's size. */
export const MAX_IDS = 500;
export const MAX_LIMIT = 100;
/**
 * The most recordings an unpaged getRecordings returns (the newest). Scalelite returns every
 * match, which for a large tenant is more XML than a Worker should build in one request (#537);
 * a client that wants more pages with offset/limit.
 */
export const MAX_UNPAGED = 5000;
const MAX_ID_LENGTH = 256;

/** A CSV parameter as a list without blanks or duplicates, bounded in count and length. */
export function csv(value: string | undefined, what: string): string[] {
  const items = [...new Set((value ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  if (items.length > MAX_IDS) throw errors.validationError(`At most ${MAX_IDS} values of ${what} are accepted.`);
  if (items.some((s) => s.length > MAX_ID_LENGTH)) throw errors.validationError(`A value of ${what} is longer than ${MAX_ID_LENGTH} characters.`);
  return items;
}

/** The required recordID list of publish, update and delete. */
export function requireRecordIDs(params: Params): string[] {
  const ids = csv(param(params, 'recordID'), 'recordID');
  if (ids.length === 0) throw errors.missingParamRecordID();
  return ids;
}

/** `meta_<key>=<value>` pairs, keys lowercased as BBB stores them. */
export function metaParams(params: Params): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of params) if (k.startsWith('meta_') && k.length > 5) out.push([k.slice(5).toLowerCase(), v]);
  return out;
}

function states(value: string | undefined): RecordingState[] | undefined {
  const list = csv(value, 'state').map((s) => s.toLowerCase());
  // BBB's default; `any` lifts the filter.
  if (list.length === 0) return ['published', 'unpublished'];
  if (list.includes('any')) return undefined;
  const unknown = list.filter((s) => !(RECORDING_STATES as readonly string[]).includes(s));
  if (unknown.length) throw errors.validationError(`Unknown recording state: ${unknown.join(', ')}.`);
  return list as RecordingState[];
}

function whole(value: string, name: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw errors.validationError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

export interface RecordingsQuery {
  filter: RecordingFilter;
  /** Only when offset or limit was given (BBB 2.6+); otherwise every match up to MAX_UNPAGED. */
  page?: { offset: number; limit: number };
}

/** What the index is asked for: the page and its count, or the newest MAX_UNPAGED. */
export function recordingsWindow(q: RecordingsQuery): RecordingWindow {
  return q.page ? { ...q.page, count: true } : { offset: 0, limit: MAX_UNPAGED, count: false };
}

export function parseRecordingsQuery(params: Params, cfg: RecordingsConfig): RecordingsQuery {
  const recordIDs = csv(param(params, 'recordID'), 'recordID');
  const meetingIDs = csv(param(params, 'meetingID'), 'meetingID');
  if (cfg.requireFilter && recordIDs.length === 0 && meetingIDs.length === 0) throw errors.missingParameters();

  const meta = new Map<string, string[]>();
  for (const [key, value] of metaParams(params)) {
    const values = csv(value, `meta_${key}`);
    // An empty filter value matches recordings whose value is empty.
    meta.set(key, values.length ? values : ['']);
  }

  const filter: RecordingFilter = { meta };
  const st = states(param(params, 'state'));
  if (st) filter.states = st;
  if (recordIDs.length) filter.recordIDs = recordIDs;
  else if (meetingIDs.length) filter.meetingIDs = meetingIDs;

  const offset = param(params, 'offset');
  const limit = param(params, 'limit');
  const query: RecordingsQuery = { filter };
  if (offset || limit) {
    query.page = {
      offset: offset ? whole(offset, 'offset', 0, 1e9) : 0,
      limit: limit ? whole(limit, 'limit', 1, MAX_LIMIT) : MAX_LIMIT,
    };
  }
  return query;
}
