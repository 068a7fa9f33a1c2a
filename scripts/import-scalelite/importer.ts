/**
 * The migration from Scalelite, runtime-neutral: recordings found in a Scalelite tree (and/or its
 * database export) go into R2 under the same key layout and into the index, with Scalelite's
 * state (published, protected, edited metadata) carried over. Idempotent and resumable: files
 * already present with the same size and digest are skipped, and a recording is indexed only
 * once all its files are stored. Once indexed, the index is the authority: an LMS may have
 * unpublished, protected or edited it through the API since, so a re-run puts its files under
 * the prefix the index says, removes copies under the other one, and leaves the entry alone.
 */
import { forEachLimited } from '../../src/cluster/concurrency.js';
import { httpMetadataFor } from '../../src/recordings/playback/content-type.js';
import { parseMetadataXml, type PlaybackFormat, type RecordingMetadata } from '../../src/recordings/metadata.js';
import { formatPrefix, objectKey, type Visibility } from '../../src/recordings/objects.js';
import type { Sql } from '../../src/store/postgres.js';
import { indexRecording } from '../../src/store/recording-index.js';
import { carryOverState, indexedState, type IndexedState } from '../../src/store/scalelite-import.js';
import type { ExportedRecording } from './db-tables.js';

/** The owner recorded for migrated recordings: no node may overwrite them by uploading. */
export const IMPORT_SERVER_ID = 'scalelite-import';
const FILE_CONCURRENCY = 4;

export interface SourceFile {
  /** Path inside `<format>/<recordID>/`. */
  path: string;
  size: number;
  bytes(): Promise<Uint8Array>;
  stream(): ReadableStream<Uint8Array>;
  sha256(): Promise<string>;
}

export interface SourceFormat {
  format: string;
  /** Where the tree had it (published or unpublished directory). */
  visibility: Visibility;
  files: SourceFile[];
}

export interface SourceRecording {
  recordID: string;
  formats: SourceFormat[];
}

export interface StoredObject {
  size: number;
  sha256?: string | undefined;
}

/** Where files go: R2 through its S3 API, or an R2 binding (local development, tests). */
export interface ObjectSink {
  head(key: string): Promise<StoredObject | null>;
  put(key: string, file: SourceFile, o: { sha256: string; httpMetadata: R2HTTPMetadata }): Promise<void>;
  /** Every key under the prefix. */
  list(prefix: string): Promise<string[]>;
  /** A server-side copy, with the object's metadata. */
  copy(from: string, to: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface ImportOptions {
  sql: Sql;
  sink: ObjectSink;
  tenant: string;
  /** Look and report only: no object written, nothing indexed. */
  dryRun: boolean;
  /** PROTECTED_RECORDINGS_ENABLED, for recordings without an exported `protected` flag. */
  protectByDefault: boolean;
}

export interface RecordingOutcome {
  recordID: string;
  outcome: 'imported' | 'would import' | 'skipped' | 'failed';
  reason?: string;
  uploaded: number;
  present: number;
  bytes: number;
  /** Copies found under the prefix the index does not say, removed (would be, in a dry run). */
  strays?: number;
}

/** Imports one recording; never throws (a failure is an outcome, the next recording goes on). */
export async function importRecording(
  o: ImportOptions,
  source: SourceRecording | undefined,
  exported: ExportedRecording | undefined,
): Promise<RecordingOutcome> {
  const recordID = source?.recordID ?? exported!.recordID;
  const out: RecordingOutcome = { recordID, outcome: 'skipped', uploaded: 0, present: 0, bytes: 0 };
  try {
    if (exported?.state === 'deleted') return { ...out, reason: 'deleted in Scalelite' };
    // Before any write: a recording someone else owns, or deleted since, gets no file back.
    const indexed = await indexedState(o.sql, recordID);
    const refused = indexed && refusal(indexed, o.tenant);
    if (refused) return { ...out, reason: refused };
    const parsed = await parseFormats(source);
    const plan = planIndex(recordID, parsed, exported);
    if (!plan) return { ...out, reason: 'no metadata.xml and no database row' };
    const published = indexed ? indexed.published : plan.published;
    const visibility: Visibility = published ? 'published' : 'unpublished';

    for (const format of source?.formats ?? []) {
      await forEachLimited(format.files, FILE_CONCURRENCY, async (file) => {
        const key = objectKey(visibility, format.format, recordID, file.path);
        if (await samePresent(o.sink, key, file)) {
          out.present++;
          return;
        }
        out.uploaded++;
        out.bytes += file.size;
        if (!o.dryRun) await o.sink.put(key, file, { sha256: await file.sha256(), httpMetadata: httpMetadataFor(format.format, file.path) });
      });
    }
    const formats = new Set([...(source?.formats ?? []).map((f) => f.format), ...plan.formats.map((f) => f.format)]);
    const strays = await removeStrays(o, recordID, visibility, formats);
    if (strays > 0) out.strays = strays;
    // Formats known only from the database export: their files must already be in the bucket
    // (copied from Scalelite's S3 bucket, which has the same layout); a dry run moved nothing.
    const where: Visibility[] = o.dryRun ? ['published', 'unpublished'] : [visibility];
    for (const f of plan.formats) {
      if (source?.formats.some((s) => s.format === f.format)) continue;
      const found = await Promise.all(where.map((v) => o.sink.head(objectKey(v, f.format, recordID, 'metadata.xml'))));
      if (!found.some(Boolean)) return { ...out, reason: `files of format ${f.format} are neither in the tree nor in the bucket` };
    }
    if (o.dryRun) return { ...out, outcome: 'would import' };
    // Already indexed: its entry stays as the API left it (publication, protection, metadata).
    if (indexed) return { ...out, outcome: 'imported' };

    const extra = exported
      ? [carryOverState({ recordID, owner: IMPORT_SERVER_ID, protected: exported.protected, publishUpdated: exported.publishUpdated })]
      : [];
    const written = await indexRecording(
      o.sql,
      { tenant: o.tenant, serverId: IMPORT_SERVER_ID, meta: plan.meta, published: plan.published, protectByDefault: o.protectByDefault, formats: plan.formats },
      extra,
    );
    // A node or the API got there while the files were being stored.
    if (!written) return { ...out, reason: 'already indexed from a node upload, or deleted' };
    return { ...out, outcome: 'imported' };
  } catch (e) {
    // The reason, not a stack: file paths and SQL may follow, never credentials.
    return { ...out, outcome: 'failed', reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** Why an indexed recording is not the import's to write; undefined when it is. */
function refusal(indexed: IndexedState, tenant: string): string | undefined {
  if (indexed.serverId !== IMPORT_SERVER_ID) return 'already indexed from a node upload';
  if (indexed.state === 'deleted') return 'deleted since it was imported (deleteRecordings or retention)';
  if (indexed.tenant !== tenant) return `already imported for tenant ${indexed.tenant}`;
  return undefined;
}

/**
 * Settles a recording found under both prefixes toward `visibility` (the index's, or the import's
 * own on a first run): each copy under the other prefix is moved over unless the target already
 * has that file, then removed, so no copy stays reachable where the index says it must not be.
 * Answers the count of copies found there.
 */
async function removeStrays(o: ImportOptions, recordID: string, visibility: Visibility, formats: Set<string>): Promise<number> {
  const other: Visibility = visibility === 'published' ? 'unpublished' : 'published';
  let count = 0;
  for (const format of formats) {
    const from = formatPrefix(other, format, recordID);
    const keys = await o.sink.list(from);
    count += keys.length;
    if (o.dryRun) continue;
    await forEachLimited(keys, FILE_CONCURRENCY, async (key) => {
      const to = objectKey(visibility, format, recordID, key.slice(from.length));
      if (!(await o.sink.head(to))) await o.sink.copy(key, to);
      await o.sink.delete(key);
    });
  }
  return count;
}

async function parseFormats(source: SourceRecording | undefined): Promise<{ visibility: Visibility; meta: RecordingMetadata; size: number }[]> {
  const out: { visibility: Visibility; meta: RecordingMetadata; size: number }[] = [];
  for (const format of source?.formats ?? []) {
    const xml = format.files.find((f) => f.path === 'metadata.xml');
    if (!xml) continue;
    const meta = parseMetadataXml(new TextDecoder().decode(await xml.bytes()));
    if (meta.recordId !== source!.recordID) throw new Error(`${format.format}/${source!.recordID}/metadata.xml is about ${meta.recordId}`);
    out.push({ visibility: format.visibility, meta, size: format.files.reduce((sum, f) => sum + f.size, 0) });
  }
  return out;
}

/**
 * The index entry: metadata.xml for what only it knows (internal id, breakout, sizes), Scalelite's
 * database for what the API may have changed since (published, name, meta, formats).
 */
function planIndex(
  recordID: string,
  parsed: { visibility: Visibility; meta: RecordingMetadata; size: number }[],
  exported: ExportedRecording | undefined,
): { meta: RecordingMetadata; published: boolean; formats: PlaybackFormat[] } | null {
  const first = parsed[0];
  if (!first && !exported) return null;
  const fromXml = parsed.map((p) => ({ ...p.meta.playback, size: p.meta.playback.size ?? p.size }));
  const base: RecordingMetadata = first?.meta ?? {
    recordId: recordID,
    meetingId: exported!.meetingID,
    internalMeetingId: recordID,
    name: exported!.name,
    state: exported!.state,
    published: exported!.published,
    participants: exported!.participants,
    startTime: exported!.startTime,
    endTime: exported!.endTime,
    rawSize: null,
    isBreakout: false,
    parentMeetingId: null,
    breakoutSequence: null,
    metadata: exported!.metadata,
    playback: exported!.formats[0]!,
  };
  if (!exported) {
    // Scalelite keeps unpublished recordings in the unpublished directory, whatever metadata.xml says.
    const published = first!.visibility === 'published';
    return { meta: { ...base, state: published ? 'published' : 'unpublished' }, published, formats: fromXml };
  }
  const sizes = new Map(fromXml.map((f) => [f.format, f]));
  return {
    meta: {
      ...base,
      meetingId: exported.meetingID,
      name: exported.name,
      state: exported.state,
      participants: exported.participants ?? base.participants,
      startTime: exported.startTime ?? base.startTime,
      endTime: exported.endTime ?? base.endTime,
      metadata: exported.metadata,
    },
    published: exported.published,
    formats: exported.formats.map((f) => ({
      ...f,
      processingTime: f.processingTime ?? sizes.get(f.format)?.processingTime ?? null,
      size: f.size ?? sizes.get(f.format)?.size ?? null,
    })),
  };
}

async function samePresent(sink: ObjectSink, key: string, file: SourceFile): Promise<boolean> {
  const stored = await sink.head(key);
  if (!stored || stored.size !== file.size) return false;
  return stored.sha256 === undefined || stored.sha256 === (await file.sha256());
}
