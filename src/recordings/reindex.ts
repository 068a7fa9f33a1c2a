/**
 * Reindex (docs/recordings.md, "Rebuilding the index from R2"): after Postgres is restored from
 * an older backup, recordings uploaded since exist in R2 but not in the index. A finished upload
 * leaves its manifest at `manifests/<recordID>`; reindex walks those and the index together by
 * record id, a bounded page per call, and
 * - indexes a manifest's recording missing from the index exactly as `complete` does (tenant and
 *   meetingID from its metadata.xml), without a recording-ready callback, under the prefix its
 *   files are in now (the last publish/unpublish moved them), or skips it while any of its files
 *   is missing or a multipart upload of it is still open;
 * - makes an indexed recording's publication follow the prefix its files are under, as that
 *   prefix reflects the last publish/unpublish move (the index may be older: a restored backup);
 * - settles a recording whose files are under both prefixes toward the index's publication
 *   (a move cut short, or a copy an older importer wrote): the stray copy is moved over where
 *   the index's side lacks a file, then removed, so nothing stays public that the index hides;
 * - reports indexed recordings none of whose files are in R2 (never deletes them).
 */
import { forEachLimited, WORKER_CONNECTIONS } from '../cluster/concurrency.js';
import { fromBase64Url, toBase64Url, utf8 } from '../crypto.js';
import type { Services } from '../services.js';
import { indexPage, openUploads, type IndexEntry } from '../store/recording-reindex.js';
import { publishedStatement, setPublished } from '../store/recordings.js';
import { knownTenants } from '../tenancy/tenant.js';
import { IngestError } from './ingest/errors.js';
import { byFile, indexUpload, readManifest, readUpload, unmatched } from './ingest/indexing.js';
import { listVisibility, MANIFEST_PREFIX, manifestKey, moveRecording, type RecordingObject, type Visibility } from './objects.js';
import { forgetPlaybackState } from './playback/state.js';

export const MAX_REINDEX_LIMIT = 100;
export const DEFAULT_REINDEX_LIMIT = 25;

export interface ReindexReport {
  /** Record ids examined by this call (manifests in R2 and index entries). */
  scanned: number;
  /** Put back into the index, whose publication was made to follow R2, or whose files under both prefixes were settled (would be, in a dry run). */
  restored: string[];
  alreadyIndexed: number;
  /** Indexed, not deleted, and none of their files in R2. */
  missingObjects: string[];
  /** Manifests not restored, and why (an upload in progress, files missing, bad metadata.xml). */
  skipped: { recordID: string; reason: string }[];
  /** Pass it back for the next page; null when the walk is done. */
  cursor: string | null;
}

export class BadCursor extends Error {}

/** The cursor is the last record id examined, base64url-encoded: opaque, and safe for any id. */
export function encodeCursor(recordID: string): string {
  return toBase64Url(utf8(recordID));
}

export function decodeCursor(cursor: string): string {
  try {
    const bytes = fromBase64Url(cursor);
    if (!bytes) throw new BadCursor();
    const id = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    if (id === '' || encodeCursor(id) !== cursor) throw new BadCursor();
    return id;
  } catch {
    throw new BadCursor('The cursor is not one this endpoint returned; start again without it.');
  }
}

type Where = Visibility | 'both' | 'none';

/** Under which prefix a recording's files are, given which prefixes hold them. */
function where(published: boolean, unpublished: boolean): Where {
  if (published && unpublished) return 'both';
  return published ? 'published' : unpublished ? 'unpublished' : 'none';
}

const listBoth = (bucket: R2Bucket, recordId: string, formats: readonly string[]) =>
  Promise.all([listVisibility(bucket, recordId, 'published', formats), listVisibility(bucket, recordId, 'unpublished', formats)]);

export async function reindexRecordings(svc: Services, o: { cursor: string | null; limit: number; dryRun: boolean }): Promise<ReindexReport> {
  const bucket = svc.recordings;
  const after = o.cursor === null ? null : decodeCursor(o.cursor);
  const [listing, entries] = await Promise.all([
    bucket.list({ prefix: MANIFEST_PREFIX, limit: o.limit, ...(after === null ? {} : { startAfter: manifestKey(after) }) }),
    indexPage(svc.sql, after, o.limit),
  ]);
  const uploaded = listing.objects.map((m) => m.key.slice(MANIFEST_PREFIX.length));
  // A source cut short is complete only up to its last id: the page stops at the lower of those.
  const ends = [listing.truncated ? uploaded.at(-1) : undefined, entries.length === o.limit ? entries.at(-1)!.recordID : undefined];
  const end = ends.filter((e): e is string => e !== undefined).sort()[0];
  const all = [...new Set([...uploaded, ...entries.map((e) => e.recordID)])].filter((id) => end === undefined || id <= end).sort();
  const ids = all.slice(0, o.limit);
  const done = end === undefined && ids.length === all.length;

  const indexed = new Map(entries.map((e) => [e.recordID, e]));
  const open = await openUploads(svc.sql, ids.filter((id) => !indexed.has(id)));
  let tenants: Promise<Set<string>> | undefined;
  const report: ReindexReport = { scanned: ids.length, restored: [], alreadyIndexed: 0, missingObjects: [], skipped: [], cursor: done ? null : encodeCursor(ids.at(-1)!) };
  const ctx: PageContext = { svc, bucket, dryRun: o.dryRun, report, tenants: () => (tenants ??= knownTenants(svc, { fresh: true }).then((t) => new Set(t))) };

  await forEachLimited(ids, WORKER_CONNECTIONS, async (id) => {
    const entry = indexed.get(id);
    if (entry) return checkIndexed(ctx, entry);
    if (open.has(id)) return void report.skipped.push({ recordID: id, reason: 'An upload of it is still in progress.' });
    try {
      await restore(ctx, id);
    } catch (e) {
      if (!(e instanceof IngestError)) throw e;
      report.skipped.push({ recordID: id, reason: e.message });
    }
  });
  report.restored.sort();
  report.missingObjects.sort();
  report.skipped.sort((a, b) => (a.recordID < b.recordID ? -1 : 1));
  return report;
}

interface PageContext {
  svc: Services;
  bucket: R2Bucket;
  dryRun: boolean;
  report: ReindexReport;
  tenants(): Promise<Set<string>>;
}

/** An indexed recording: left alone, unless its files are gone or its publication disagrees with their prefix. */
async function checkIndexed(ctx: PageContext, e: IndexEntry): Promise<void> {
  if (e.state === 'deleted') return void ctx.report.alreadyIndexed++;
  const formats = e.formats.length > 0 ? e.formats : ctx.svc.cfg.recordings.formats;
  const [pub, unpub] = await listBoth(ctx.bucket, e.recordID, formats);
  const found = where(pub.length > 0, unpub.length > 0);
  if (found === 'none') return void ctx.report.missingObjects.push(e.recordID);
  if (e.state !== 'published' && e.state !== 'unpublished') return void ctx.report.alreadyIndexed++;
  if (found === 'both') {
    // The index is the authority: the publication it says is the one the API last answered.
    if (!ctx.dryRun) await moveRecording(ctx.bucket, e.recordID, e.published ? 'published' : 'unpublished');
    return void ctx.report.restored.push(e.recordID);
  }
  if ((found === 'published') === e.published) return void ctx.report.alreadyIndexed++;
  if (!ctx.dryRun) {
    await setPublished(ctx.svc.sql, e.tenant, e.recordID, found === 'published');
    forgetPlaybackState(e.tenant, [e.recordID]);
  }
  ctx.report.restored.push(e.recordID);
}

/** A finished upload missing from the index: indexed as `complete` would, without its callback. */
async function restore(ctx: PageContext, recordId: string): Promise<void> {
  const { svc, bucket, report } = ctx;
  const kept = await readManifest(bucket, recordId, svc.cfg.recordings.formats);
  if (!kept) return void report.skipped.push({ recordID: recordId, reason: 'Its manifest is gone or names no server.' });
  const formats = [...new Set(kept.manifest.map((e) => e.format))];
  const [pub, unpub] = await listBoth(bucket, recordId, formats);
  const complete = (objects: RecordingObject[]) => unmatched(kept.manifest, byFile(objects)).length === 0;
  // Complete under both is a move cut short: unpublished is the safe side.
  const visibility = complete(unpub) ? 'unpublished' : complete(pub) ? 'published' : undefined;
  if (!visibility) return void report.skipped.push({ recordID: recordId, reason: 'Some files of its manifest are not in R2.' });
  const upload = await readUpload(svc, bucket, recordId, kept.manifest, byFile(visibility === 'published' ? pub : unpub), await ctx.tenants());
  const published = visibility === 'published';
  if (!ctx.dryRun) {
    // The other side's copy goes, so the prefix matches the publication indexed below.
    if (pub.length > 0 && unpub.length > 0) await moveRecording(bucket, recordId, visibility);
    // Where complete would have put it without an API publish/unpublish; otherwise one pinned it.
    const pinned = published !== (!svc.cfg.ingest.importUnpublished && upload.meta.published);
    const extra = pinned ? [publishedStatement(upload.tenant, recordId, published)] : [];
    if (!(await indexUpload(svc, upload, kept.serverId, published, extra))) {
      return void report.skipped.push({ recordID: recordId, reason: 'Another server owns this record id in the index.' });
    }
  }
  report.restored.push(recordId);
}
