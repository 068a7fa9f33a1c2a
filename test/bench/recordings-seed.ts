/**
 * The index `npm run bench:recordings` queries: N recordings written by Postgres itself
 * (generate_series), shaped like a busy deployment: 20 recordings per meeting, mostly published,
 * some unpublished or deleted, LMS metadata, a presentation format with preview images for every
 * live recording and a video format for one in four.
 */
import pg from 'pg';

export const RECORDINGS_PER_MEETING = 20;
export const COURSES = 500;

/** The record id of recording number i (BBB's shape: 40 hex, a dash, a ms timestamp). */
export const recordIdSql = (i: string) => `substr(md5(${i}::text) || md5((${i} * 7)::text), 1, 40) || '-' || (1600000000000 + ${i}::bigint * 60000)`;

export async function seedRecordings(databaseUrl: string, count: number): Promise<{ recordIDs: string[]; meetings: number; backfillMs: number }> {
  const meetings = Math.max(1, Math.ceil(count / RECORDINGS_PER_MEETING));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Written as an index that predates migration 0015 and then gets its backfill: rendering each
    // row once instead of again for each format written after it.
    await client.query('ALTER TABLE recordings DISABLE TRIGGER USER');
    await client.query('ALTER TABLE playback_formats DISABLE TRIGGER USER');
    await client.query(
      `INSERT INTO recordings (tenant_id, record_id, meeting_id, internal_meeting_id, server_id, name, state, published,
                               participants, start_time, end_time, size, raw_size, metadata)
       SELECT 'default', rid, 'meeting-' || (i % $2), rid, 'node-' || (i % 5), 'Room ' || (i % $2), st, st = 'published',
              1 + i % 40, to_timestamp((1600000000000 + i::bigint * 60000) / 1000.0),
              to_timestamp((1600000000000 + i::bigint * 60000) / 1000.0) + interval '1 hour', 1000000 + i, 5000000 + i,
              jsonb_build_object('bbb-origin', CASE WHEN i % 3 = 0 THEN 'moodle' ELSE 'greenlight' END,
                                 'bbb-context-id', 'course-' || (i % $3), 'gl-listed', CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END)
       FROM (SELECT i, ${recordIdSql('i')} AS rid,
                    CASE WHEN i % 50 = 0 THEN 'deleted' WHEN i % 12 = 0 THEN 'unpublished' ELSE 'published' END AS st
             FROM generate_series(0, $1 - 1) AS i) s`,
      [count, meetings, COURSES],
    );
    await client.query(
      `INSERT INTO playback_formats (recording_id, format, url, length, processing_time, size, preview)
       SELECT id, 'presentation', '/playback/presentation/2.3/' || record_id, 45, 6000, size,
              (SELECT jsonb_agg(jsonb_build_object('url', '/presentation/' || record_id || '/thumbnails/thumb-' || n || '.png',
                                                   'width', 176, 'height', 136, 'alt', 'Slide ' || n)) FROM generate_series(1, 3) n)
       FROM recordings WHERE state <> 'deleted'`,
    );
    await client.query(
      `INSERT INTO playback_formats (recording_id, format, url, length, processing_time, size, preview)
       SELECT id, 'video', '/playback/video/' || record_id || '/', 45, 9000, size, '[]'
       FROM recordings WHERE state <> 'deleted' AND id % 4 = 0`,
    );
    await client.query('ALTER TABLE recordings ENABLE TRIGGER USER');
    await client.query('ALTER TABLE playback_formats ENABLE TRIGGER USER');
    const backfillStarted = performance.now();
    await client.query('UPDATE recordings SET answer_xml = NULL');
    const backfillMs = performance.now() - backfillStarted;
    // As autovacuum leaves a settled table: statistics, and a visibility map for index-only counts.
    await client.query('VACUUM ANALYZE recordings');
    await client.query('VACUUM ANALYZE playback_formats');
    const { rows } = await client.query<{ record_id: string }>(
      `SELECT record_id FROM recordings WHERE state <> 'deleted' ORDER BY md5(record_id) LIMIT 1000`,
    );
    return { recordIDs: rows.map((r) => r.record_id), meetings, backfillMs };
  } finally {
    await client.end();
  }
}
