/**
 * Scalelite's recording tables (recordings, metadata, playback_formats, thumbnails), as rows of
 * text from their CSV export, joined into one entry per record id. Pure.
 */
import type { PlaybackFormat } from '../../src/recordings/metadata.js';

export interface ExportedRecording {
  recordID: string;
  meetingID: string;
  name: string;
  state: string;
  published: boolean;
  protected: boolean;
  /** The API published/unpublished it: that wins over any later upload. */
  publishUpdated: boolean;
  participants: number | null;
  startTime: Date | null;
  endTime: Date | null;
  metadata: Record<string, string>;
  formats: PlaybackFormat[];
}

export type Row = Record<string, string | null>;

/** The tables joined by their ids into one entry per record id. */
export function fromTables(t: { recordings: Row[]; metadata: Row[]; playbackFormats: Row[]; thumbnails: Row[] }): Map<string, ExportedRecording> {
  const previews = groupBy(t.thumbnails, 'playback_format_id');
  const formats = groupBy(t.playbackFormats, 'recording_id');
  const metadata = groupBy(t.metadata, 'recording_id');
  const out = new Map<string, ExportedRecording>();
  for (const r of t.recordings) {
    const id = need(r, 'id');
    const recordID = need(r, 'record_id');
    out.set(recordID, {
      recordID,
      meetingID: need(r, 'meeting_id'),
      name: r.name ?? '',
      // Scalelite leaves state null on old rows; published says what it is.
      state: r.state ?? (bool(r.published) ? 'published' : 'unpublished'),
      published: bool(r.published),
      protected: bool(r.protected),
      publishUpdated: bool(r.publish_updated),
      participants: int(r.participants),
      startTime: time(r.starttime),
      endTime: time(r.endtime),
      metadata: Object.fromEntries((metadata.get(id) ?? []).map((m) => [need(m, 'key'), m.value ?? ''])),
      formats: (formats.get(id) ?? [])
        .map((f) => ({
          format: need(f, 'format'),
          url: need(f, 'url'),
          length: int(f.length) ?? 0,
          processingTime: int(f.processing_time),
          size: null,
          preview: (previews.get(need(f, 'id')) ?? [])
            .sort((a, b) => (int(a.sequence) ?? 0) - (int(b.sequence) ?? 0))
            .map((p) => ({ url: need(p, 'url'), width: int(p.width), height: int(p.height), alt: p.alt ?? '' })),
        }))
        .sort((a, b) => a.format.localeCompare(b.format)),
    });
  }
  return out;
}

function groupBy(rows: Row[], key: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of rows) {
    const k = need(row, key);
    out.set(k, [...(out.get(k) ?? []), row]);
  }
  return out;
}

function need(row: Row, key: string): string {
  const v = row[key];
  if (v === null || v === undefined) throw new Error(`export: column ${key} is missing or null`);
  return v;
}

const bool = (v: string | null | undefined) => v === 't' || v === 'true';

function int(v: string | null | undefined): number | null {
  return v === null || v === undefined || v === '' ? null : Number.parseInt(v, 10);
}

/** Rails stores UTC in `timestamp without time zone`. */
function time(v: string | null | undefined): Date | null {
  if (!v) return null;
  const d = new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v.replace(' ', 'T') : `${v.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}
