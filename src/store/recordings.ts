import type { PlaybackFormat } from '../recordings/metadata.js';
import type { Sql, Statement } from './postgres.js';

/**
 * The recordings API's queries and state changes. getRecordings is one statement whatever the
 * size of the answer: the page's `<recording>` elements kept ready by Postgres
 * (migrations/0015_recording_answer.sql) joined, and the total count; the admin API's listing
 * aggregates the same page into JSON. Every statement is tenant-scoped.
 */

export type RecordingState = 'processing' | 'processed' | 'published' | 'unpublished' | 'deleted';
export const RECORDING_STATES: readonly RecordingState[] = ['processing', 'processed', 'published', 'unpublished', 'deleted'];

export interface RecordingFilter {
  /** Prefixes of record ids (BBB matches recordID by prefix); when set, meetingIDs are ignored. */
  recordIDs?: readonly string[];
  meetingIDs?: readonly string[];
  /** undefined: any state. */
  states?: readonly RecordingState[];
  /** Lowercased key → accepted values: AND across keys, OR within one key. */
  meta?: ReadonlyMap<string, readonly string[]>;
}

export interface RecordingRow {
  recordID: string;
  meetingID: string;
  internalMeetingID: string;
  name: string;
  state: RecordingState;
  published: boolean;
  protected: boolean;
  participants: number | null;
  /** ms since the epoch */
  startTime: number | null;
  endTime: number | null;
  size: number | null;
  rawSize: number | null;
  isBreakout: boolean;
  parentMeetingID: string | null;
  sequence: number | null;
  metadata: Record<string, string>;
  /** Record ids of this recording's breakout rooms. */
  breakoutRooms: string[];
  formats: PlaybackFormat[];
}

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::bigint`;

const RECORDING_JSON = `json_build_object(
  'recordID', r.record_id, 'meetingID', r.meeting_id, 'internalMeetingID', r.internal_meeting_id,
  'name', r.name, 'state', r.state, 'published', r.published, 'protected', r.protected,
  'participants', r.participants, 'startTime', ${ms('r.start_time')}, 'endTime', ${ms('r.end_time')},
  'size', r.size, 'rawSize', r.raw_size, 'isBreakout', r.is_breakout,
  'parentMeetingID', r.parent_meeting_id, 'sequence', r.breakout_sequence, 'metadata', r.metadata,
  'breakoutRooms', (SELECT coalesce(json_agg(b.record_id ORDER BY b.breakout_sequence, b.record_id), '[]')
                    FROM recordings b
                    WHERE b.tenant_id = r.tenant_id AND b.parent_meeting_id = r.internal_meeting_id AND b.state <> 'deleted'),
  'formats', (SELECT coalesce(json_agg(json_build_object(
                'format', f.format, 'url', f.url, 'length', f.length, 'processingTime', f.processing_time,
                'size', f.size, 'preview', f.preview) ORDER BY f.format), '[]')
              FROM playback_formats f WHERE f.recording_id = r.id))`;

/**
 * Recordings still processing on a node (migrations/0014) shaped as index rows: no formats yet,
 * the meeting's end as end time, and a negative id so it never meets a recording's.
 */
const WITH_PROCESSING = `(SELECT id, tenant_id, record_id, meeting_id, internal_meeting_id, name, state, published, protected,
                                 participants, start_time, end_time, size, raw_size, is_breakout, parent_meeting_id,
                                 breakout_sequence, metadata, answer_xml
                            FROM recordings
                          UNION ALL
                          SELECT -p.id, p.tenant_id, p.record_id, p.meeting_id, p.record_id, p.name, p.state, false, false,
                                 NULL, p.start_time, p.meeting_ended_at, NULL, NULL, false, NULL, NULL, p.metadata, NULL
                            FROM recording_processing p
                           WHERE NOT EXISTS (SELECT 1 FROM recordings i WHERE i.record_id = p.record_id))`;

/** Where a filter looks: the index alone unless it asks for processing or processed recordings (BBB omits them by default). */
function source(f: RecordingFilter): string {
  const wanted = f.states ?? RECORDING_STATES;
  return wanted.includes('processing') || wanted.includes('processed') ? WITH_PROCESSING : 'recordings';
}

/** Newest first, as BBB and Scalelite; the id breaks ties so pages never overlap. */
const newestFirst = (t: string) => `${t}.start_time DESC NULLS LAST, ${t}.id DESC`;

/** `LIKE` treats these as wildcards; a record id prefix is matched literally. */
const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** WHERE conditions and their parameters, numbered after `params`' current length. */
function conditions(tenant: string, f: RecordingFilter, params: unknown[]): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const where = [`r.tenant_id = ${p(tenant)}`];
  if (f.recordIDs?.length) {
    // One LIKE per prefix (not LIKE ANY) so each can use the record_id pattern index.
    where.push(`(${f.recordIDs.map((id) => `r.record_id LIKE ${p(likePrefix(id))}`).join(' OR ')})`);
  } else if (f.meetingIDs?.length) {
    where.push(`r.meeting_id = ANY(${p(f.meetingIDs)}::text[])`);
  }
  if (f.states) where.push(`r.state = ANY(${p(f.states)}::text[])`);
  if (f.meta?.size) {
    // Single values become one containment test (the GIN index); alternatives are compared per key.
    const single: Record<string, string> = {};
    for (const [key, values] of f.meta) {
      if (values.length === 1) single[key] = values[0]!;
      else where.push(`r.metadata ->> ${p(key)} = ANY(${p(values)}::text[])`);
    }
    if (Object.keys(single).length) where.push(`r.metadata @> ${p(JSON.stringify(single))}::jsonb`);
  }
  return where.join(' AND ');
}

/** Which matches an answer holds, newest first. */
export interface RecordingWindow {
  offset: number;
  limit: number;
  /** Count every match as well (a page's totalElements). */
  count: boolean;
}

/**
 * The page of the window and, when asked, the count of every match; `select` is evaluated over
 * the page's rows `r`. The page carries its rows: joined back by id to a source with recordings
 * still processing, the planner hashes every row of the index. The filter is written twice rather
 * than shared through a CTE: a shared CTE is materialized whole, while apart the page walks the
 * newest-first index and stops at its limit.
 */
async function queryWindow<T>(sql: Sql, tenant: string, filter: RecordingFilter, w: RecordingWindow, select: (p: (v: unknown) => string) => string): Promise<T & { total: number | null }> {
  const params: unknown[] = [];
  const where = conditions(tenant, filter, params);
  const from = source(filter);
  const page = sql.query(
    `WITH page AS (SELECT r.* FROM ${from} r WHERE ${where} ORDER BY ${newestFirst('r')}
                   OFFSET ${Number(w.offset)} LIMIT ${Number(w.limit)})
     SELECT ${w.count ? `(SELECT count(*) FROM ${from} r WHERE ${where})` : 'NULL'}::int AS total,
            ${select((v) => `$${params.push(v)}`)}
     FROM page r`,
    params,
  );
  // A page is a few hundred rows by index: starting parallel workers for it took half of the
  // statement's time (Moodle's 500 of 100,000: 20 ms, 10.5 serial). Same round trip.
  const [, rows] = await sql.transaction([sql.query('SET LOCAL max_parallel_workers_per_gather = 0'), page]);
  return (rows as Array<T & { total: number | null }>)[0]!;
}

/** The window's matching recordings, and the number matching when asked. */
export async function findRecordings(
  sql: Sql,
  tenant: string,
  filter: RecordingFilter,
  w: RecordingWindow,
): Promise<{ total: number | null; recordings: RecordingRow[] }> {
  return queryWindow(sql, tenant, filter, w, () => `coalesce(json_agg(${RECORDING_JSON} ORDER BY ${newestFirst('r')}), '[]') AS recordings`);
}

/** Where the stored elements leave a recording for the Worker to render. */
export const RENDERED_HERE = '\x04';

/** A window of getRecordings as the elements Postgres keeps ready. */
export interface RecordingsAnswer {
  total: number | null;
  /** How many recordings the window holds. */
  count: number;
  /**
   * Their `<recording>` elements joined, newest first, with the markers of
   * migrations/0015_recording_answer.sql, and RENDERED_HERE for each recording in `rendered`.
   */
  xml: string;
  /** The recordings the Worker renders itself, in order: protected ones when `hideProtected`, and those without a stored element. */
  rendered: RecordingRow[];
}

/** The window's answer: stored elements, fetched and joined by Postgres. */
export async function findRecordingsAnswer(sql: Sql, tenant: string, filter: RecordingFilter, w: RecordingWindow, hideProtected: boolean): Promise<RecordingsAnswer> {
  return queryWindow(sql, tenant, filter, w, (p) => {
    const rendered = `r.answer_xml IS NULL OR (${p(hideProtected)}::boolean AND r.protected)`;
    return `count(*)::int AS count,
            coalesce(string_agg(CASE WHEN ${rendered} THEN chr(${RENDERED_HERE.charCodeAt(0)}) ELSE r.answer_xml END, '' ORDER BY ${newestFirst('r')}), '') AS xml,
            coalesce(json_agg(${RECORDING_JSON} ORDER BY ${newestFirst('r')}) FILTER (WHERE ${rendered}), '[]') AS rendered`;
  });
}

/** What publish and delete act on: exact record ids of the tenant, in the given states. */
export interface RecordingRef {
  recordID: string;
  published: boolean;
  protected: boolean;
  state: RecordingState;
  formats: string[];
}

export async function findExact(
  sql: Sql,
  tenant: string,
  recordIDs: readonly string[],
  states: readonly RecordingState[],
): Promise<RecordingRef[]> {
  return (await sql.query(
    `SELECT r.record_id AS "recordID", r.published, r.protected, r.state,
            coalesce((SELECT array_agg(f.format ORDER BY f.format) FROM playback_formats f WHERE f.recording_id = r.id), '{}') AS formats
     FROM recordings r
     WHERE r.tenant_id = $1 AND r.record_id = ANY($2::text[]) AND r.state = ANY($3::text[])
     ORDER BY r.record_id`,
    [tenant, recordIDs, states],
  )) as RecordingRef[];
}

/** Records an API publish/unpublish, for someone else's transaction; a later re-upload keeps it (publish_updated). */
export function publishedStatement(tenant: string, recordID: string, publish: boolean): Statement {
  return {
    text: `UPDATE recordings SET published = $3, publish_updated = true, state = $4, updated_at = now()
           WHERE tenant_id = $1 AND record_id = $2 AND state IN ('published', 'unpublished')`,
    params: [tenant, recordID, publish, publish ? 'published' : 'unpublished'],
  };
}

export async function setPublished(sql: Sql, tenant: string, recordID: string, publish: boolean): Promise<void> {
  const s = publishedStatement(tenant, recordID, publish);
  await sql.query(s.text, s.params);
}

export interface RecordingUpdate {
  /** Lowercased keys set to non-empty values. */
  set: Record<string, string>;
  /** Lowercased keys removed (given with an empty value). */
  remove: string[];
  protect?: boolean;
}

/**
 * Applies the update to every listed recording, or to none when any of them is not the
 * tenant's (Scalelite answers `updated=false` then). Returns whether anything was updated.
 */
export async function updateRecordings(sql: Sql, tenant: string, recordIDs: readonly string[], u: RecordingUpdate): Promise<boolean> {
  const rows = (await sql.query(
    `WITH target AS (SELECT id FROM recordings WHERE tenant_id = $1 AND record_id = ANY($2::text[]) AND state <> 'deleted'),
          complete AS (SELECT count(*) = cardinality($2::text[]) AS ok FROM target)
     UPDATE recordings r
     SET metadata = (r.metadata - $3::text[]) || $4::jsonb,
         protected = coalesce($5::boolean, r.protected),
         updated_at = now()
     FROM complete
     WHERE complete.ok AND r.id IN (SELECT id FROM target)
     RETURNING r.id`,
    [tenant, recordIDs, u.remove, JSON.stringify(u.set), u.protect ?? null],
  )) as unknown[];
  return rows.length > 0;
}

/** As Scalelite's mark_delete!: the row stays with state `deleted`; formats and metadata go. */
export async function markDeleted(sql: Sql, tenant: string, recordID: string): Promise<void> {
  await sql.query(
    `WITH gone AS (
       UPDATE recordings SET state = 'deleted', published = false, metadata = '{}', deleted_at = now(), updated_at = now()
       WHERE tenant_id = $1 AND record_id = $2 RETURNING id)
     DELETE FROM playback_formats WHERE recording_id IN (SELECT id FROM gone)`,
    [tenant, recordID],
  );
}

/** What playback checks before handing out a file. */
export interface PlaybackState {
  /** Published and in state published. */
  published: boolean;
  protected: boolean;
  /** The format's stored playback URL; null when the recording has no such format. */
  url: string | null;
}

export async function playbackState(sql: Sql, tenant: string, recordID: string, format: string): Promise<PlaybackState | undefined> {
  const rows = (await sql.query(
    `SELECT r.published AND r.state = 'published' AS published, r.protected,
            (SELECT f.url FROM playback_formats f WHERE f.recording_id = r.id AND f.format = $3) AS url
     FROM recordings r WHERE r.tenant_id = $1 AND r.record_id = $2`,
    [tenant, recordID, format],
  )) as PlaybackState[];
  return rows[0];
}
