import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { SHA256_META } from '../../src/recordings/objects';
import { services } from '../../src/services';
import { fromTables } from '../../scripts/import-scalelite/db-tables';
import { IMPORT_SERVER_ID, type ObjectSink, type SourceFile, type SourceRecording } from '../../scripts/import-scalelite/importer';
import { runImport } from '../../scripts/import-scalelite/run';
import { bindingSink } from '../../scripts/import-scalelite/sinks';
import { bucket, keysUnder } from './recordings-api-support';
import { BASE, call, send } from './support';

const sql = services(env).sql;

beforeEach(async () => {
  await sql.query('DELETE FROM recordings');
  const all = await keysUnder('');
  if (all.length) await bucket.delete(all);
});

/** A format's metadata.xml as BBB writes it. */
function metadataXml(recordID: string, format: string, o: { meetingID?: string; published?: boolean; meta?: Record<string, string> } = {}): string {
  const meta = { meetingId: o.meetingID ?? `room-${recordID}`, meetingName: `Room ${recordID}`, isBreakout: 'false', 'gl-listed': 'true', ...o.meta };
  return `<?xml version="1.0" encoding="UTF-8"?>
<recording>
  <id>${recordID}</id>
  <state>${o.published === false ? 'unpublished' : 'published'}</state>
  <published>${o.published === false ? 'false' : 'true'}</published>
  <start_time>1700000000000</start_time>
  <end_time>1700003600000</end_time>
  <participants>4</participants>
  <raw_size>123456</raw_size>
  <meeting id="${recordID}" externalId="${meta.meetingId}" name="${meta.meetingName}" breakout="false"/>
  <meta>${Object.entries(meta).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</meta>
  <playback>
    <format>${format}</format>
    <link>https://bbb1.example.com/playback/${format}/2.3/${recordID}</link>
    <processing_time>5000</processing_time>
    <duration>1800000</duration>
    <size>2048</size>
  </playback>
</recording>`;
}

function file(path: string, content: string): SourceFile {
  const data = new TextEncoder().encode(content);
  return {
    path,
    size: data.byteLength,
    bytes: async () => data,
    stream: () => new Blob([data]).stream(),
    sha256: async () => [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((b) => b.toString(16).padStart(2, '0')).join(''),
  };
}

/** A synthetic Scalelite tree: one published recording with two formats, one unpublished. */
function tree(): Map<string, SourceRecording> {
  const pub = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2-1700000000000';
  const unpub = 'ffffffffffffffffffffffffffffffffffffffff-1700000001000';
  return new Map([
    [pub, { recordID: pub, formats: [
      { format: 'presentation', visibility: 'published', files: [file('metadata.xml', metadataXml(pub, 'presentation')), file('shapes.svg', '<svg/>'), file('presentation/slide-1.png', 'png-bytes')] },
      { format: 'video', visibility: 'published', files: [file('metadata.xml', metadataXml(pub, 'video')), file('video-0.m4v', 'video-bytes')] },
    ] }],
    [unpub, { recordID: unpub, formats: [
      { format: 'presentation', visibility: 'unpublished', files: [file('metadata.xml', metadataXml(unpub, 'presentation', { published: true })), file('shapes.svg', '<svg/>')] },
    ] }],
  ] as [string, SourceRecording][]);
}

const PUB = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2-1700000000000';
const UNPUB = 'ffffffffffffffffffffffffffffffffffffffff-1700000001000';
const sink = bindingSink(bucket);
const run = (t: Map<string, SourceRecording>, o: { dryRun?: boolean; exported?: ReturnType<typeof fromTables>; sink?: ObjectSink } = {}) => {
  const outcomes: Record<string, unknown>[] = [];
  return runImport(
    { sql, sink: o.sink ?? sink, tenant: 'default', dryRun: o.dryRun ?? false, protectByDefault: false },
    t,
    o.exported ?? new Map(),
    (x) => outcomes.push({ ...x }),
  ).then((summary) => ({ summary, outcomes }));
};

async function row(recordID: string) {
  const [r] = await sql.query('SELECT state, published, protected, publish_updated, server_id, name, metadata, size FROM recordings WHERE record_id = $1', [recordID]);
  return r;
}

/** Scalelite's tables as `psql \copy … CSV HEADER` gives them (booleans t/f, UTC timestamps). */
function exported(extra: { recordings?: Record<string, string | null>[] } = {}) {
  return fromTables({
    recordings: [
      { id: '1', record_id: PUB, meeting_id: `room-${PUB}`, name: 'Renamed', published: 'f', participants: '7', state: 'unpublished', starttime: '2023-11-14 22:13:20', endtime: '2023-11-14 23:13:20', protected: 't', publish_updated: 't' },
      { id: '2', record_id: 'gone-1', meeting_id: 'room-gone', name: 'Deleted', published: 'f', participants: '1', state: 'deleted', starttime: null, endtime: null, protected: 'f', publish_updated: 'f' },
      ...(extra.recordings ?? []),
    ],
    metadata: [
      { id: '10', recording_id: '1', key: 'gl-listed', value: 'false' },
      { id: '11', recording_id: '1', key: 'bbb-origin', value: 'Greenlight' },
      { id: '12', recording_id: '3', key: 'gl-listed', value: 'true' },
    ],
    playbackFormats: [
      { id: '20', recording_id: '1', format: 'presentation', url: `/playback/presentation/2.3/${PUB}`, length: '30', processing_time: null },
      { id: '21', recording_id: '1', format: 'video', url: `/playback/video/${PUB}/`, length: '30', processing_time: null },
      { id: '22', recording_id: '3', format: 'presentation', url: '/playback/presentation/2.3/only-in-db', length: '12', processing_time: '100' },
    ],
    thumbnails: [
      { id: '30', playback_format_id: '20', width: '176', height: '136', alt: 'Welcome', url: `/presentation/${PUB}/presentation/slide-1.png`, sequence: '0' },
    ],
  });
}

describe('import from a Scalelite tree', () => {
  it('stores every file under the same layout and indexes the recordings as Scalelite had them', async () => {
    const { summary } = await run(tree());
    expect(summary).toMatchObject({ imported: 2, failed: 0, skipped: 0, uploaded: 7, present: 0 });
    expect(await keysUnder('')).toEqual([
      `published/presentation/${PUB}/metadata.xml`,
      `published/presentation/${PUB}/presentation/slide-1.png`,
      `published/presentation/${PUB}/shapes.svg`,
      `published/video/${PUB}/metadata.xml`,
      `published/video/${PUB}/video-0.m4v`,
      `unpublished/presentation/${UNPUB}/metadata.xml`,
      `unpublished/presentation/${UNPUB}/shapes.svg`,
    ]);
    const svg = await bucket.head(`published/presentation/${PUB}/shapes.svg`);
    expect(svg?.httpMetadata?.contentType).toBe('image/svg+xml');
    expect(svg?.customMetadata?.[SHA256_META]).toMatch(/^[0-9a-f]{64}$/);
    // The unpublished directory wins over metadata.xml's <published>.
    expect(await row(UNPUB)).toMatchObject({ state: 'unpublished', published: false, server_id: IMPORT_SERVER_ID });
    expect(await row(PUB)).toMatchObject({ state: 'published', published: true, name: `Room ${PUB}`, size: '4096' });

    const r = await call('getRecordings', { meetingID: `room-${PUB}`, state: 'any' });
    expect(r.returncode).toBe('SUCCESS');
    const rec = r.recordings.recording;
    expect(rec).toMatchObject({ recordID: PUB, meetingID: `room-${PUB}`, published: 'true', state: 'published' });
    expect(rec.metadata['gl-listed']).toBe('true');
    const formats = [rec.playback.format].flat().map((f: { type: string; url: string }) => [f.type, new URL(f.url).pathname]);
    expect(formats).toEqual([['presentation', `/playback/presentation/2.3/${PUB}`], ['video', `/playback/video/2.3/${PUB}`]]);
  });

  it("stores Scalelite's Content-Disposition: attachment on downloads (podcast, notes, .pdf, .ogg), not on what players show", async () => {
    const t = tree();
    t.get(PUB)!.formats.push(
      { format: 'podcast', visibility: 'published', files: [file('metadata.xml', metadataXml(PUB, 'podcast')), file('audio.ogg', 'ogg-bytes')] },
      { format: 'notes', visibility: 'published', files: [file('metadata.xml', metadataXml(PUB, 'notes')), file('notes.txt', 'notes')] },
    );
    await run(t);
    const disposition = async (format: string, path: string) =>
      (await bucket.head(`published/${format}/${PUB}/${path}`))?.httpMetadata?.contentDisposition ?? null;
    for (const [format, path] of [['podcast', 'metadata.xml'], ['podcast', 'audio.ogg'], ['notes', 'metadata.xml'], ['notes', 'notes.txt']] as const) {
      expect(await disposition(format, path), `${format}/${path}`).toBe('attachment');
    }
    for (const [format, path] of [['presentation', 'shapes.svg'], ['presentation', 'metadata.xml'], ['video', 'video-0.m4v']] as const) {
      expect(await disposition(format, path), `${format}/${path}`).toBeNull();
    }
  });

  it('is idempotent: a second run uploads nothing and changes nothing', async () => {
    await run(tree());
    const { summary } = await run(tree());
    expect(summary).toMatchObject({ imported: 2, uploaded: 0, present: 7, bytes: 0 });
    expect(await keysUnder('')).toHaveLength(7);
    const [{ n }] = (await sql.query('SELECT count(*)::int AS n FROM recordings')) as [{ n: number }];
    expect(n).toBe(2);
  });

  it('resumes after a crash: what was stored is kept, the rest is uploaded, nothing is indexed half-way', async () => {
    let puts = 0;
    const crashing: ObjectSink = {
      ...sink,
      put: async (key, f, o) => {
        if (++puts > 3) throw new Error('connection reset');
        await sink.put(key, f, o);
      },
    };
    const first = await run(tree(), { sink: crashing });
    expect(first.summary.failed).toBeGreaterThan(0);
    expect(await row(PUB)).toBeUndefined();
    const second = await run(tree());
    expect(second.summary).toMatchObject({ imported: 2, failed: 0, present: 3, uploaded: 4 });
    expect(await keysUnder('')).toHaveLength(7);
  });

  it('a dry run reports and writes nothing', async () => {
    const { summary, outcomes } = await run(tree(), { dryRun: true });
    expect(summary).toMatchObject({ wouldImport: 2, imported: 0, uploaded: 7 });
    expect(outcomes.map((o) => o.outcome)).toEqual(['would import', 'would import']);
    expect(await keysUnder('')).toEqual([]);
    expect(await row(PUB)).toBeUndefined();
  });

  it('reports a broken recording and goes on with the others', async () => {
    const t = tree();
    t.get(UNPUB)!.formats[0]!.files[0] = file('metadata.xml', '<recording><id>x</id>');
    const { summary, outcomes } = await run(t);
    expect(summary).toMatchObject({ imported: 1, failed: 1 });
    expect(outcomes.find((o) => o.recordID === UNPUB)).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/^MetadataError/) });
  });

  it('leaves recordings uploaded by a node alone', async () => {
    await run(tree());
    await sql.query(`UPDATE recordings SET server_id = 'some-node' WHERE record_id = $1`, [PUB]);
    const { outcomes } = await run(tree());
    expect(outcomes.find((o) => o.recordID === PUB)).toMatchObject({ outcome: 'skipped', reason: 'already indexed from a node upload', uploaded: 0 });
  });
});

describe('a re-run after the API changed an imported recording: the index is the authority', () => {
  const under = async (visibility: string, recordID: string) => (await keysUnder(`${visibility}/`)).filter((k) => k.includes(recordID));
  // The tree still has PUB published and UNPUB unpublished, as Scalelite left them.

  it('keeps an LMS\'s unpublish and publish: nothing uploaded again, every file under the prefix the index says', async () => {
    await run(tree());
    expect((await call('publishRecordings', { recordID: PUB, publish: 'false' })).published).toBe('false');
    expect((await call('publishRecordings', { recordID: UNPUB, publish: 'true' })).published).toBe('true');
    const { summary } = await run(tree());
    expect(summary).toMatchObject({ imported: 2, uploaded: 0, present: 7, failed: 0 });
    expect(await under('published', PUB)).toEqual([]);
    expect(await under('unpublished', PUB)).toHaveLength(5);
    expect(await under('unpublished', UNPUB)).toEqual([]);
    expect(await under('published', UNPUB)).toHaveLength(2);
    expect(await row(PUB)).toMatchObject({ state: 'unpublished', published: false, publish_updated: true });
    expect(await row(UNPUB)).toMatchObject({ state: 'published', published: true, publish_updated: true });
  });

  it('removes the copies an earlier run left under the other prefix, moving over any the index\'s side lacks', async () => {
    await run(tree());
    await call('publishRecordings', { recordID: PUB, publish: 'false' });
    // What the importer used to do on a re-run: the whole tree again under published/.
    for (const key of await under('unpublished', PUB)) await bucket.put(key.replace(/^unpublished\//, 'published/'), 'stray copy');
    await bucket.put(`published/video/${PUB}/only-here.txt`, 'a file the unpublished side lacks');
    const dry = await run(tree(), { dryRun: true });
    expect(dry.outcomes.find((o) => o.recordID === PUB)).toMatchObject({ outcome: 'would import', strays: 6 });
    expect(await under('published', PUB)).toHaveLength(6);
    const { outcomes } = await run(tree());
    expect(outcomes.find((o) => o.recordID === PUB)).toMatchObject({ outcome: 'imported', uploaded: 0, strays: 6 });
    expect(await under('published', PUB)).toEqual([]);
    expect(await under('unpublished', PUB)).toHaveLength(6);
    expect(await (await bucket.get(`unpublished/video/${PUB}/only-here.txt`))!.text()).toBe('a file the unpublished side lacks');
    // The unpublished side's own files won: the stray copies' bytes are gone.
    expect(await (await bucket.get(`unpublished/presentation/${PUB}/shapes.svg`))!.text()).toBe('<svg/>');
    // Playback refuses it, as the index says.
    expect((await send(new Request(`${BASE}/presentation/${PUB}/shapes.svg`, { redirect: 'manual' }))).status).toBe(404);
  });

  it('keeps protection and metadata set through the API over the export\'s, and a recording deleted through the API stays deleted', async () => {
    await run(tree(), { exported: exported() });
    expect(await row(PUB)).toMatchObject({ protected: true, metadata: { 'gl-listed': 'false', 'bbb-origin': 'Greenlight' } });
    expect((await call('updateRecordings', { recordID: PUB, protect: 'false', 'meta_gl-listed': 'true' })).updated).toBe('true');
    await call('deleteRecordings', { recordID: UNPUB });
    const { outcomes } = await run(tree(), { exported: exported() });
    expect(await row(PUB)).toMatchObject({ protected: false, published: false, metadata: { 'gl-listed': 'true', 'bbb-origin': 'Greenlight' } });
    expect(outcomes.find((o) => o.recordID === UNPUB)).toMatchObject({ outcome: 'skipped', reason: 'deleted since it was imported (deleteRecordings or retention)', uploaded: 0 });
    expect(await under('', UNPUB)).toEqual([]);
    expect(await row(UNPUB)).toMatchObject({ state: 'deleted' });
  });
});

describe('import with a database export', () => {
  it("takes Scalelite's state (published, protected, edited meta, names) over metadata.xml, and files go where the state says", async () => {
    const { summary } = await run(tree(), { exported: exported() });
    expect(summary).toMatchObject({ imported: 2, skipped: 1 });
    expect(await row(PUB)).toMatchObject({
      state: 'unpublished', published: false, protected: true, publish_updated: true, name: 'Renamed',
      metadata: { 'gl-listed': 'false', 'bbb-origin': 'Greenlight' },
    });
    expect((await keysUnder('published/')).filter((k) => k.includes(PUB))).toEqual([]);
    expect((await keysUnder('unpublished/')).filter((k) => k.includes(PUB))).toHaveLength(5);
    const [preview] = await sql.query(
      `SELECT f.preview, f.size FROM playback_formats f JOIN recordings r ON r.id = f.recording_id WHERE r.record_id = $1 AND f.format = 'presentation'`,
      [PUB],
    );
    expect(preview).toMatchObject({ preview: [{ url: `/presentation/${PUB}/presentation/slide-1.png`, width: 176, height: 136, alt: 'Welcome' }], size: '2048' });
    expect(await row('gone-1')).toBeUndefined();
  });

  it('indexes a recording known only to the database when its files are already in the bucket', async () => {
    const onlyInDb = { id: '3', record_id: 'only-in-db', meeting_id: 'room-db', name: 'From S3', published: 't', participants: '2', state: 'published', starttime: '2023-11-14 22:13:20', endtime: null, protected: 'f', publish_updated: 'f' };
    const first = await run(new Map(), { exported: exported({ recordings: [onlyInDb] }) });
    expect(first.outcomes.find((o) => o.recordID === 'only-in-db')).toMatchObject({
      outcome: 'skipped',
      reason: 'files of format presentation are neither in the tree nor in the bucket',
    });
    await bucket.put('published/presentation/only-in-db/metadata.xml', '<recording/>');
    const second = await run(new Map(), { exported: exported({ recordings: [onlyInDb] }) });
    expect(second.outcomes.find((o) => o.recordID === 'only-in-db')).toMatchObject({ outcome: 'imported' });
    expect(await row('only-in-db')).toMatchObject({ state: 'published', name: 'From S3', metadata: { 'gl-listed': 'true' } });
    const r = await call('getRecordings', { recordID: 'only-in-db' });
    expect(r.recordings.recording).toMatchObject({ recordID: 'only-in-db', meetingID: 'room-db', startTime: String(Date.parse('2023-11-14T22:13:20Z')) });
  });
});
