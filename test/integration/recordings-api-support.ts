/**
 * Seeding for the recordings API and playback tests: rows written straight into the index (as
 * an import would leave them) and files put into the RECORDINGS bucket of the test Worker.
 */
import { env } from 'cloudflare:workers';
import { XMLParser } from 'fast-xml-parser';
import { forgetPlaybackState } from '../../src/recordings/playback/state';
import { services } from '../../src/services';

export const bucket = (env as unknown as { RECORDINGS: R2Bucket }).RECORDINGS;
const sql = () => services(env).sql;

export interface SeedFormat {
  format: string;
  url?: string;
  length?: number;
  processingTime?: number | null;
  size?: number | null;
  preview?: Array<{ url: string; width?: number; height?: number; alt?: string }>;
}

export interface SeedRecording {
  recordID: string;
  meetingID?: string;
  tenant?: string;
  name?: string;
  state?: 'processing' | 'processed' | 'published' | 'unpublished' | 'deleted';
  protected?: boolean;
  participants?: number | null;
  startTime?: number;
  size?: number | null;
  rawSize?: number | null;
  isBreakout?: boolean;
  parentMeetingID?: string | null;
  sequence?: number | null;
  metadata?: Record<string, string>;
  formats?: SeedFormat[];
}

let clock = 1_700_000_000_000;

export async function seed(r: SeedRecording): Promise<void> {
  const state = r.state ?? 'published';
  const start = r.startTime ?? (clock += 60_000);
  const rows = (await sql().query(
    `INSERT INTO recordings (tenant_id, record_id, meeting_id, internal_meeting_id, name, state, published, protected,
                             participants, start_time, end_time, size, raw_size, is_breakout, parent_meeting_id,
                             breakout_sequence, metadata)
     VALUES ($1, $2, $3, $2, $4, $5, $6, $7, $8, to_timestamp($9::double precision / 1000), to_timestamp($10::double precision / 1000),
             $11, $12, $13, $14, $15, $16::jsonb)
     RETURNING id`,
    [
      r.tenant ?? 'default', r.recordID, r.meetingID ?? `meeting-${r.recordID}`, r.name ?? `Room ${r.recordID}`, state,
      state === 'published', r.protected ?? false, r.participants === undefined ? 3 : r.participants, start, start + 3_600_000,
      r.size ?? null, r.rawSize ?? null, r.isBreakout ?? false, r.parentMeetingID ?? null, r.sequence ?? null,
      JSON.stringify(r.metadata ?? {}),
    ],
  )) as Array<{ id: string }>;
  for (const f of r.formats ?? [{ format: 'presentation' }]) {
    await sql().query(
      `INSERT INTO playback_formats (recording_id, format, url, length, processing_time, size, preview) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [rows[0]!.id, f.format, f.url ?? `/playback/${f.format}/2.3/${r.recordID}`, f.length ?? 12, f.processingTime ?? null, f.size ?? null, JSON.stringify(f.preview ?? [])],
    );
  }
}

/** `count` bare recordings of one meeting in one statement: `<prefix>-<n>`, newer with n. */
export async function seedMany(prefix: string, count: number, meetingID: string): Promise<void> {
  await sql().query(
    `INSERT INTO recordings (tenant_id, record_id, meeting_id, internal_meeting_id, state, published, start_time)
     SELECT 'default', $1 || '-' || n, $3, $1 || '-' || n, 'published', true, to_timestamp(1600000000 + n)
     FROM generate_series(1, $2::int) AS n`,
    [prefix, count, meetingID],
  );
}

/** Files of a recording under `<visibility>/<format>/<recordID>/`. */
export async function putFiles(visibility: 'published' | 'unpublished', format: string, recordID: string, files: Record<string, string>): Promise<void> {
  for (const [path, body] of Object.entries(files)) await bucket.put(`${visibility}/${format}/${recordID}/${path}`, body);
}

export async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    out.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort();
}

/** No recordings, no objects, a second tenant to test isolation against. */
export async function resetRecordings(): Promise<void> {
  const ids = (await sql().query('SELECT tenant_id, record_id FROM recordings')) as Array<{ tenant_id: string; record_id: string }>;
  for (const r of ids) forgetPlaybackState(r.tenant_id, [r.record_id]);
  await sql().query('DELETE FROM recordings');
  await sql().query(`INSERT INTO tenants (id, name) VALUES ('other', 'other') ON CONFLICT DO NOTHING`);
  const keys = await keysUnder('');
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
  await services(env).redis.flushdb();
}

export async function stateOf(recordID: string): Promise<{ state: string; published: boolean; protected: boolean; metadata: Record<string, string> } | undefined> {
  const rows = (await sql().query('SELECT state, published, protected, metadata FROM recordings WHERE record_id = $1', [recordID])) as any[];
  return rows[0];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => ['recording', 'format', 'image', 'breakoutRoom'].includes(name),
});

/** getRecordings' `<response>`, recordings always a list. */
export async function recordingsXml(res: Response | Promise<Response>): Promise<{ text: string; response: any; list: any[] }> {
  const r = await res;
  const text = await r.text();
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${text.slice(0, 200)}`);
  const response = parser.parse(text).response;
  return { text, response, list: response.recordings?.recording ?? [] };
}
