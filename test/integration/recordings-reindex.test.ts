/**
 * Reindex (POST /admin/v1/recordings/reindex) after a restore of an older Postgres backup:
 * recordings ingested through the real protocol, index rows then removed or rolled back in
 * Postgres, R2 (Miniflare's) left as is; the walk puts back exactly what `complete` wrote.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IngestClient, sha256Of, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { deleteRecordingObjects, listRecordingObjects } from '../../src/recordings/objects';
import { services } from '../../src/services';
import { rememberMeetingCallbacks } from '../../src/store/callbacks';
import { insertServer } from '../../src/store/servers';
import { recordingFixture, type FixtureOptions } from '../support/recordings-ingest-fixture';
import { v1 } from './admin-v1-support';
import { received, receiver } from './callbacks-support';
import { recordingsXml, resetRecordings } from './recordings-api-support';
import { BASE, bbb, send } from './support';

const svc = services(env);
const bucket = (env as unknown as { RECORDINGS: R2Bucket }).RECORDINGS;
const SERVER = 'reindex-node';
const MiB = 1024 * 1024;

let seq = 0;
const newId = () => `${'cd'.repeat(20)}-${Date.now()}${String(seq++).padStart(3, '0')}`;

const client = () =>
  new IngestClient({ baseUrl: BASE, serverId: SERVER, secret: `${SERVER}-secret`, send: (req) => send(req), partSize: 5 * MiB });
const files = (o: FixtureOptions): UploadFile[] => recordingFixture(o).map((f) => ({ ...f, data: new Blob([f.data]) }));
const ingest = (recordId: string, o: Partial<FixtureOptions> = {}) => client().uploadRecording(recordId, files({ recordId, videoBytes: 2048, ...o }));

/** What a backup taken before the upload holds: no row, no claim, no callback. */
async function forget(recordId: string): Promise<void> {
  await svc.sql.query('DELETE FROM callback_deliveries WHERE record_id = $1', [recordId]);
  await svc.sql.query('DELETE FROM recordings WHERE record_id = $1', [recordId]);
  await svc.sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [recordId]);
}

const row = async (recordId: string) => (await svc.sql.query('SELECT * FROM recordings WHERE record_id = $1', [recordId]))[0];
/** getRecordings' answer, by record id: the fixtures share a start time, so its order falls back to row ids. */
const listing = async () => (await recordingsXml(bbb('getRecordings', {}))).list.sort((x, y) => (x.recordID < y.recordID ? -1 : 1));
const reindex = (body: unknown) => v1('POST', '/recordings/reindex', body);

interface Walk {
  pages: any[];
  restored: string[];
  missingObjects: string[];
  skipped: { recordID: string; reason: string }[];
  scanned: number;
  alreadyIndexed: number;
}

/** Every page from the start, as the CLI and the drill do. */
async function walk(body: { dryRun?: boolean; limit?: number } = {}): Promise<Walk> {
  const w: Walk = { pages: [], restored: [], missingObjects: [], skipped: [], scanned: 0, alreadyIndexed: 0 };
  let cursor: string | undefined;
  do {
    const res = await reindex({ ...body, ...(cursor ? { cursor } : {}) });
    expect(res.status, res.text).toBe(200);
    const page = res.json;
    w.pages.push(page);
    w.restored.push(...page.restored);
    w.missingObjects.push(...page.missingObjects);
    w.skipped.push(...page.skipped);
    w.scanned += page.scanned;
    w.alreadyIndexed += page.alreadyIndexed;
    cursor = page.cursor ?? undefined;
    expect(w.pages.length).toBeLessThan(50);
  } while (cursor);
  return w;
}

beforeAll(async () => {
  await insertServer(svc.sql, { id: SERVER, url: `https://${SERVER}.example.com/bigbluebutton/api`, secret: `${SERVER}-secret`, tag: null, loadMultiplier: 1 });
  invalidateServers();
});

beforeEach(resetRecordings);

describe('recordings reindex', { timeout: 60_000 }, () => {
  it('restores recordings missing from the index exactly as complete wrote them, with no callback; dry run first, then idempotent', async () => {
    const [a, b, kept] = [newId(), newId(), newId()];
    await rememberMeetingCallbacks(svc.sql, { tenant: 'default', meetingID: `meeting-${a}`, recordingReadyUrl: `${receiver}/reindex-ready` });
    await ingest(a, { meta: { 'bbb-context': 'Course 1' } });
    await ingest(b, { videoBytes: 0, published: false });
    await ingest(kept);
    const before = await listing();
    const rowA = (await row(a))!;
    expect(await svc.sql.query('SELECT 1 FROM callback_deliveries WHERE record_id = $1', [a])).toHaveLength(1);
    const sentAtUpload = (await received('/reindex-ready')).length;
    await forget(a);
    await forget(b);
    const restoredFromBackup = await listing();

    const dry = await walk({ dryRun: true });
    expect(dry).toMatchObject({ restored: [a, b].sort(), alreadyIndexed: 1, missingObjects: [], skipped: [], scanned: 3 });
    expect(await listing()).toEqual(restoredFromBackup);
    expect(await row(a)).toBeUndefined();

    const run = await walk();
    expect(run).toMatchObject({ restored: [a, b].sort(), alreadyIndexed: 1, missingObjects: [], skipped: [] });
    expect(await listing()).toEqual(before);
    const { id: _id, created_at: _c, updated_at: _u, ...same } = rowA;
    expect(await row(a)).toMatchObject(same);
    // Restoring is not a new recording: the LMS heard of it when it was uploaded.
    expect(await svc.sql.query('SELECT 1 FROM callback_deliveries WHERE record_id = $1', [a])).toEqual([]);
    expect(await received('/reindex-ready')).toHaveLength(sentAtUpload);

    expect(await walk()).toMatchObject({ restored: [], alreadyIndexed: 3, missingObjects: [], skipped: [] });
    expect(await listing()).toEqual(before);
  });

  it('leaves uploads in progress alone: files without a finished complete, or a multipart upload still open', async () => {
    const [partial, reuploading] = [newId(), newId()];
    const c = client();
    for (const f of files({ recordId: partial, videoBytes: 0 }).slice(0, 2)) await c.putFile(partial, { ...f, sha256: await sha256Of(f.data) });
    await ingest(reuploading);
    await forget(reuploading);
    const big = { format: 'video', path: 'video-1.webm', data: new Blob([new Uint8Array(6 * MiB)]) };
    expect((await c.beginMultipart(reuploading, { ...big, sha256: await sha256Of(big.data) })).status).toBe('uploading');

    const run = await walk();
    expect(run.restored).toEqual([]);
    expect(run.skipped).toEqual([{ recordID: reuploading, reason: 'An upload of it is still in progress.' }]);
    expect(run.scanned).toBe(1);
    expect(await row(partial)).toBeUndefined();
    expect(await row(reuploading)).toBeUndefined();
  });

  it('reports rows whose files are gone without deleting them; publication follows the prefix the files are under', async () => {
    const [gone, rolledBack, forgotten] = [newId(), newId(), newId()];
    for (const id of [gone, rolledBack, forgotten]) await ingest(id);
    // After the backup: one deleted through the API, two unpublished.
    await deleteRecordingObjects(bucket, gone);
    for (const id of [rolledBack, forgotten]) {
      const res = await recordingsXml(bbb('publishRecordings', { recordID: id, publish: 'false' }));
      expect(res.response.returncode).toBe('SUCCESS');
    }
    await svc.sql.query(`UPDATE recordings SET published = true, state = 'published', publish_updated = false WHERE record_id = $1`, [rolledBack]);
    await forget(forgotten);

    const run = await walk();
    expect(run).toMatchObject({ restored: [rolledBack, forgotten].sort(), missingObjects: [gone], skipped: [], alreadyIndexed: 0 });
    expect(await row(gone)).toMatchObject({ state: 'published', published: true });
    for (const id of [rolledBack, forgotten]) {
      expect(await row(id)).toMatchObject({ state: 'unpublished', published: false, publish_updated: true, server_id: SERVER });
    }
    expect(await walk()).toMatchObject({ restored: [], missingObjects: [gone], alreadyIndexed: 2 });
  });

  it('settles files under both prefixes toward the index: the stray copy goes, moved over where the index\'s side lacks a file', async () => {
    const [unpublished, cutShort, restoredBoth] = [newId(), newId(), newId()];
    for (const id of [unpublished, cutShort, restoredBoth]) await ingest(id);
    expect((await recordingsXml(bbb('publishRecordings', { recordID: unpublished, publish: 'false' }))).response.published).toBe('false');
    const copyTo = async (id: string, to: 'published' | 'unpublished', count?: number) => {
      for (const o of (await listRecordingObjects(bucket, id)).slice(0, count)) {
        const body = await bucket.get(o.key);
        await bucket.put(`${to}/${o.format}/${id}/${o.path}`, await body!.arrayBuffer(), { customMetadata: body!.customMetadata });
      }
    };
    // What an older importer's re-run did to an unpublished recording: every file again under published/, and one more.
    await copyTo(unpublished, 'published');
    await bucket.put(`published/presentation/${unpublished}/only-here.txt`, 'x');
    // A publish/unpublish move cut short: two files copied under unpublished/, the index still says published.
    await copyTo(cutShort, 'unpublished', 2);
    // A recording the index lost, complete under both.
    await copyTo(restoredBoth, 'unpublished');
    await forget(restoredBoth);
    const count = async (id: string) => {
      const objects = await listRecordingObjects(bucket, id);
      return { published: objects.filter((o) => o.visibility === 'published').length, unpublished: objects.filter((o) => o.visibility === 'unpublished').length };
    };
    const n = files({ recordId: unpublished, videoBytes: 2048 }).length;

    expect((await walk({ dryRun: true })).restored).toEqual([unpublished, cutShort, restoredBoth].sort());
    expect(await count(unpublished)).toEqual({ published: n + 1, unpublished: n });
    const run = await walk();
    expect(run).toMatchObject({ restored: [unpublished, cutShort, restoredBoth].sort(), missingObjects: [], skipped: [] });
    expect(await count(unpublished)).toEqual({ published: 0, unpublished: n + 1 });
    expect(await count(cutShort)).toEqual({ published: n, unpublished: 0 });
    expect(await count(restoredBoth)).toEqual({ published: 0, unpublished: n });
    expect(await row(unpublished)).toMatchObject({ state: 'unpublished', published: false });
    expect(await row(cutShort)).toMatchObject({ state: 'published', published: true });
    expect(await row(restoredBoth)).toMatchObject({ state: 'unpublished', published: false });
    expect(await walk()).toMatchObject({ restored: [], alreadyIndexed: 3 });
  });

  it('pages with a small limit: every record id examined once, a cursor until the last page', async () => {
    const ids = Array.from({ length: 5 }, newId);
    for (const id of ids) await ingest(id, { videoBytes: 0 });
    // Interleaved: only in R2, in both, only in the index.
    for (const id of [ids[0]!, ids[2]!, ids[4]!]) await forget(id);
    await deleteRecordingObjects(bucket, ids[3]!);
    const run = await walk({ limit: 2 });
    expect(run.pages.map((p) => p.scanned)).toEqual([2, 2, 1]);
    expect(run.pages.map((p) => p.cursor === null)).toEqual([false, false, true]);
    expect(run.restored).toEqual([ids[0], ids[2], ids[4]]);
    expect(run.missingObjects).toEqual([ids[3]]);
    expect(run.alreadyIndexed).toBe(1);
  });

  it('bad input is a 400 with a clear message, never a 500', async () => {
    const bad = async (body: unknown, code: string, text: RegExp) => {
      const res = await reindex(body);
      expect(res.status, res.text).toBe(400);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.message).toMatch(text);
    };
    await bad({ cursor: 'not a cursor!' }, 'invalid_cursor', /not one this endpoint returned/);
    await bad({ cursor: '_w' }, 'invalid_cursor', /not one this endpoint returned/);
    await bad({ cursor: '' }, 'validation_error', /body\.cursor/);
    await bad({ limit: 0 }, 'validation_error', /body\.limit/);
    await bad({ limit: 101 }, 'validation_error', /body\.limit/);
    await bad({ limit: 'ten' }, 'validation_error', /body\.limit/);
    await bad({ dryRun: 'yes' }, 'validation_error', /body\.dryRun/);
    expect((await v1('POST', '/recordings/reindex', {}, { token: null })).status).toBe(401);
  });
});

