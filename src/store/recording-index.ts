/**
 * Ingest's storage: who owns a recording being uploaded, the parts of multipart files, and the
 * one-transaction write of an imported recording into the index (recordings + playback_formats).
 */
import type { Sql, Statement } from './postgres.js';
import type { PlaybackFormat, RecordingMetadata } from '../recordings/metadata.js';

export type Claim =
  | {
      kind: 'owned';
      /** Already indexed: its publication (the API's last word on it) wins over the upload's. */
      indexedPublished: boolean | null;
      /** This claim is the recording's first: a node began to upload it. */
      first: boolean;
    }
  | { kind: 'foreign' }
  | { kind: 'deleted' };

/**
 * Claims the record id for the server (the first writer owns it) in one statement, and says
 * what publication the index already gives it: once indexed, the index is the authority (an
 * LMS may have unpublished it, RECORDING_IMPORT_UNPUBLISHED may have held it back), and a
 * re-upload must not move its files back under `published/`. A recording indexed without an
 * owner (a migration) belongs to no node.
 */
export async function claimRecording(sql: Sql, c: { tenant: string; recordId: string; serverId: string }): Promise<Claim> {
  const rows = await sql.query(
    `WITH existing AS (SELECT server_id, state, published, publish_updated FROM recordings WHERE record_id = $2),
     claimed AS (
       INSERT INTO recording_uploads (record_id, tenant_id, server_id)
       SELECT $2, $1, $3 WHERE NOT EXISTS (SELECT 1 FROM existing WHERE server_id IS DISTINCT FROM $3)
       ON CONFLICT (record_id) DO UPDATE SET updated_at = now() WHERE recording_uploads.server_id = EXCLUDED.server_id
       RETURNING xmax = 0 AS inserted
     )
     SELECT EXISTS (SELECT 1 FROM claimed) AS owned,
            coalesce((SELECT inserted FROM claimed), false) AND NOT EXISTS (SELECT 1 FROM existing) AS first,
            (SELECT state FROM existing) AS state,
            (SELECT CASE WHEN state IN ('published', 'unpublished') THEN published END FROM existing) AS indexed`,
    [c.tenant, c.recordId, c.serverId],
  );
  const r = rows[0]!;
  if (!r.owned) return { kind: 'foreign' };
  if (r.state === 'deleted') return { kind: 'deleted' };
  return { kind: 'owned', indexedPublished: (r.indexed as boolean | null) ?? null, first: r.first === true };
}

export interface MultipartFile {
  recordId: string;
  format: string;
  path: string;
}

export interface MultipartState extends MultipartFile {
  objectKey: string;
  uploadId: string;
  size: number;
  sha256: string;
  partSize: number;
  parts: { number: number; etag: string; size: number; sha256: string }[];
}

const FILE = 'record_id = $1 AND format = $2 AND path = $3';
const fileParams = (f: MultipartFile) => [f.recordId, f.format, f.path];

export async function getMultipart(sql: Sql, f: MultipartFile): Promise<MultipartState | undefined> {
  const rows = await sql.query(
    `SELECT object_key, upload_id, size, sha256, part_size,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('number', part_number, 'etag', etag, 'size', size, 'sha256', sha256) ORDER BY part_number)
                      FROM recording_multipart_parts p WHERE p.record_id = u.record_id AND p.format = u.format AND p.path = u.path), '[]') AS parts
     FROM recording_multipart_uploads u WHERE ${FILE}`,
    fileParams(f),
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    ...f,
    objectKey: r.object_key as string,
    uploadId: r.upload_id as string,
    size: Number(r.size),
    sha256: r.sha256 as string,
    partSize: Number(r.part_size),
    parts: (r.parts as MultipartState['parts']).map((p) => ({ ...p, size: Number(p.size) })),
  };
}

/** Records a new upload unless one exists already (a concurrent begin); returns whether this one was stored. */
export async function insertMultipart(sql: Sql, s: Omit<MultipartState, 'parts'>): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO recording_multipart_uploads (record_id, format, path, object_key, upload_id, size, sha256, part_size)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`,
    [...fileParams(s), s.objectKey, s.uploadId, s.size, s.sha256, s.partSize],
  );
  return rows.length === 1;
}

/** Forgets one upload (finished, or replaced by a different file); only that upload id. */
export async function deleteMultipart(sql: Sql, f: MultipartFile, uploadId: string): Promise<void> {
  await sql.query(`DELETE FROM recording_multipart_uploads WHERE ${FILE} AND upload_id = $4`, [...fileParams(f), uploadId]);
}

/** A verified part; a repeated part replaces the earlier one. False when the upload is gone. */
export async function recordPart(
  sql: Sql,
  f: MultipartFile,
  uploadId: string,
  p: { number: number; etag: string; size: number; sha256: string },
): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO recording_multipart_parts (record_id, format, path, part_number, etag, size, sha256)
     SELECT $1, $2, $3, $5, $6, $7, $8 FROM recording_multipart_uploads WHERE ${FILE} AND upload_id = $4
     ON CONFLICT (record_id, format, path, part_number) DO UPDATE SET etag = EXCLUDED.etag, size = EXCLUDED.size, sha256 = EXCLUDED.sha256
     RETURNING 1`,
    [...fileParams(f), uploadId, p.number, p.etag, p.size, p.sha256],
  );
  return rows.length === 1;
}

export interface IndexedRecording {
  tenant: string;
  serverId: string;
  meta: RecordingMetadata;
  /** This import's decision; an API publish/unpublish recorded earlier still wins. */
  published: boolean;
  protectByDefault: boolean;
  formats: PlaybackFormat[];
}

const recordingColumns = (r: IndexedRecording): unknown[] => {
  const m = r.meta;
  const state = m.state === 'published' || m.state === 'unpublished' ? (r.published ? 'published' : 'unpublished') : m.state;
  return [
    r.tenant, m.recordId, m.meetingId, m.internalMeetingId, r.serverId, m.name, state, r.published,
    r.protectByDefault, m.participants, m.startTime?.toISOString() ?? null, m.endTime?.toISOString() ?? null,
    m.rawSize, m.isBreakout, m.parentMeetingId, m.breakoutSequence, JSON.stringify(m.metadata),
  ];
};

/**
 * Writes an imported recording in one transaction: the recording (only if this server owns it),
 * its formats, its total size, and `extra` (the recording-ready callback). A re-import updates
 * in place; publication pinned by the API and the protection flag already set are kept. Answers
 * the deliveries `extra` queued, or null when another server owns the record id.
 */
export async function indexRecording(sql: Sql, r: IndexedRecording, extra: Statement[]): Promise<string[] | null> {
  const formats = r.formats.map((f) => ({
    format: f.format,
    url: f.url,
    length: f.length,
    processing_time: f.processingTime,
    size: f.size,
    preview: f.preview,
  }));
  const results = await sql.transaction((tx) => [
    tx.query(
      `INSERT INTO recordings (tenant_id, record_id, meeting_id, internal_meeting_id, server_id, name, state, published,
                               protected, participants, start_time, end_time, raw_size, is_breakout, parent_meeting_id,
                               breakout_sequence, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb)
       ON CONFLICT (record_id) DO UPDATE SET
         meeting_id = EXCLUDED.meeting_id, internal_meeting_id = EXCLUDED.internal_meeting_id, name = EXCLUDED.name,
         state = CASE WHEN recordings.publish_updated THEN recordings.state ELSE EXCLUDED.state END,
         published = CASE WHEN recordings.publish_updated THEN recordings.published ELSE EXCLUDED.published END,
         participants = EXCLUDED.participants, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
         raw_size = EXCLUDED.raw_size, is_breakout = EXCLUDED.is_breakout, parent_meeting_id = EXCLUDED.parent_meeting_id,
         breakout_sequence = EXCLUDED.breakout_sequence, metadata = EXCLUDED.metadata, updated_at = now()
       WHERE recordings.server_id = EXCLUDED.server_id AND recordings.state <> 'deleted'
       RETURNING id`,
      recordingColumns(r),
    ),
    tx.query(
      `INSERT INTO playback_formats (recording_id, format, url, length, processing_time, size, preview)
       SELECT r.id, f.format, f.url, f.length, f.processing_time, f.size, f.preview
       FROM recordings r, jsonb_to_recordset($2::jsonb)
            AS f(format text, url text, length integer, processing_time integer, size bigint, preview jsonb)
       WHERE r.record_id = $1 AND r.server_id = $3
       ON CONFLICT (recording_id, format) DO UPDATE SET url = EXCLUDED.url, length = EXCLUDED.length,
         processing_time = EXCLUDED.processing_time, size = EXCLUDED.size, preview = EXCLUDED.preview`,
      [r.meta.recordId, JSON.stringify(formats), r.serverId],
    ),
    tx.query(
      `UPDATE recordings SET size = (SELECT sum(size) FROM playback_formats WHERE recording_id = recordings.id)
       WHERE record_id = $1 AND server_id = $2`,
      [r.meta.recordId, r.serverId],
    ),
    ...extra,
  ]);
  if ((results[0] as unknown[]).length !== 1) return null;
  return results.slice(3).flatMap((rows) => (rows as { delivery_id?: string }[]).flatMap((row) => row.delivery_id ?? []));
}
