import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngestClient, IngestError, sha256Of, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { listRecordingObjects } from '../../src/recordings/objects';
import { services } from '../../src/services';
import { rememberMeetingCallbacks } from '../../src/store/callbacks';
import { insertServer } from '../../src/store/servers';
import { recordingFixture, type FixtureOptions } from '../support/recordings-ingest-fixture';
import { receiver } from './callbacks-support';
import { BASE, call, counters, cutBody, resetCounters, send } from './support';

const svc = services(env);
const bucket = (env as unknown as { RECORDINGS: R2Bucket }).RECORDINGS;
const MiB = 1024 * 1024;

let seq = 0;
const newId = () => `${'ab'.repeat(20)}-${Date.now()}${seq++}`;

function client(server: 'node-a' | 'node-b' = 'node-a', o: { env?: Record<string, string>; secret?: string; now?: () => number } = {}) {
  return new IngestClient({
    baseUrl: BASE,
    serverId: server,
    secret: o.secret ?? `${server}-secret`,
    send: (req) => send(req, o.env),
    partSize: 5 * MiB,
    now: o.now,
  });
}

const files = (o: FixtureOptions): UploadFile[] => recordingFixture(o).map((f) => ({ ...f, data: new Blob([f.data]) }));

async function expectError(p: Promise<unknown>, status: number, code: string): Promise<IngestError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(IngestError);
  expect(e).toMatchObject({ status, code });
  return e as IngestError;
}

async function row(recordId: string) {
  const rows = await svc.sql.query('SELECT * FROM recordings WHERE record_id = $1', [recordId]);
  return rows[0];
}

async function formats(recordId: string) {
  return svc.sql.query(
    'SELECT f.* FROM playback_formats f JOIN recordings r ON r.id = f.recording_id WHERE r.record_id = $1 ORDER BY format',
    [recordId],
  );
}

beforeAll(async () => {
  for (const id of ['node-a', 'node-b']) {
    await insertServer(svc.sql, { id, url: `https://${id}.example.com/bigbluebutton/api`, secret: `${id}-secret`, tag: null, loadMultiplier: 1 });
  }
  invalidateServers();
});

describe('recording ingest: happy path', () => {
  it('uploads a recording (small files and a multipart video), indexes it in one go, objects intact', async () => {
    const recordId = newId();
    const upload = files({ recordId, videoBytes: 11 * MiB, meta: { 'bbb-context': 'Course 1', constructor: 'x' } });
    const res = await client().uploadRecording(recordId, upload);
    expect(res).toEqual({ recordID: recordId, published: true, formats: ['presentation', 'video'] });

    const r = await row(recordId);
    expect(r).toMatchObject({
      tenant_id: 'default',
      meeting_id: `meeting-${recordId}`,
      internal_meeting_id: recordId,
      server_id: 'node-a',
      name: 'Fred\'s "Room" & co',
      state: 'published',
      published: true,
      publish_updated: false,
      protected: false,
      participants: 3,
      raw_size: '123456',
      is_breakout: false,
      metadata: { 'gl-listed': 'false', 'bbb-context': 'Course 1', constructor: 'x' },
    });
    expect(new Date(r!.start_time).getTime()).toBe(1530718721124);
    const fmts = await formats(recordId);
    expect(fmts.map((f) => [f.format, f.url, f.length, f.processing_time])).toEqual([
      ['presentation', `/playback/presentation/2.3/${recordId}`, 3, 7177],
      ['video', `/playback/video/${recordId}/`, 3, 7177],
    ]);
    expect(fmts[0]!.preview).toEqual([
      { url: `/presentation/${recordId}/presentation/d2d9-1/thumbnails/thumb-1.png`, width: 176, height: 136, alt: 'Welcome to' },
      { url: `/presentation/${recordId}/presentation/d2d9-1/thumbnails/thumb-2.png`, width: 176, height: 136, alt: 'Slide 2' },
    ]);
    expect(Number(fmts[1]!.size)).toBe(11 * MiB);
    const presentationBytes = upload.filter((f) => f.format === 'presentation').reduce((s, f) => s + f.data.size, 0);
    expect(Number(fmts[0]!.size)).toBe(presentationBytes);
    expect(Number(r!.size)).toBe(presentationBytes + 11 * MiB);

    const objects = await listRecordingObjects(bucket, recordId);
    expect(objects).toHaveLength(upload.length);
    for (const f of upload) {
      const o = await bucket.get(`published/${f.format}/${recordId}/${f.path}`);
      expect(o, f.path).not.toBeNull();
      expect(await sha256Of(new Uint8Array(await o!.arrayBuffer()))).toBe(await sha256Of(f.data));
    }
    const png = await bucket.head(`published/presentation/${recordId}/presentation/d2d9-1/thumbnails/thumb-1.png`);
    expect(png!.httpMetadata?.contentType).toBe('image/png');
    // Nothing of the upload is left behind.
    expect(await svc.sql.query('SELECT * FROM recording_multipart_uploads WHERE record_id = $1', [recordId])).toEqual([]);
  });

  it('every step repeats with the same result: one row, same objects', async () => {
    const recordId = newId();
    const upload = files({ recordId, videoBytes: 6 * MiB });
    const c = client();
    await c.uploadRecording(recordId, upload);
    const first = await row(recordId);
    // Repeat each step by hand, then the whole protocol.
    const video = { ...upload.find((f) => f.path === 'video-0.m4v')!, sha256: await sha256Of(upload.find((f) => f.path === 'video-0.m4v')!.data) };
    expect(await c.beginMultipart(recordId, video)).toEqual({ status: 'complete' });
    expect(await c.completeMultipart(recordId, video)).toEqual({ status: 'complete' });
    const xml = upload[0]!;
    await c.putFile(recordId, { ...xml, sha256: await sha256Of(xml.data) });
    await c.uploadRecording(recordId, upload);
    await c.uploadRecording(recordId, upload);
    const rows = await svc.sql.query('SELECT id, size FROM recordings WHERE record_id = $1', [recordId]);
    expect(rows).toEqual([{ id: first!.id, size: first!.size }]);
    expect(await formats(recordId)).toHaveLength(2);
    expect(await listRecordingObjects(bucket, recordId)).toHaveLength(upload.length);
  });

  it('a re-upload without a file removes that file from the completed format', async () => {
    const recordId = newId();
    const upload = files({ recordId });
    await client().uploadRecording(recordId, upload);
    const fewer = upload.filter((f) => f.path !== 'panzooms.xml');
    await client().uploadRecording(recordId, fewer);
    const objects = await listRecordingObjects(bucket, recordId);
    expect(objects.map((o) => o.path).sort()).toEqual(fewer.map((f) => f.path).sort());
  });

  it('a multipart upload resumes after a crash: only the missing parts are sent', async () => {
    const recordId = newId();
    const c = client();
    const data = new Blob([new Uint8Array(16 * MiB).fill(3)]);
    const video: UploadFile & { sha256: string } = { format: 'video', path: 'video-0.m4v', data, sha256: await sha256Of(data) };
    const begun = await c.beginMultipart(recordId, video);
    expect(begun).toEqual({ status: 'uploading', partSize: 5 * MiB, partCount: 4, done: [] });
    await c.putPart(recordId, video, 2, 5 * MiB);
    await c.putPart(recordId, video, 4, 5 * MiB);
    // Completing early names what is missing.
    const early = await expectError(c.completeMultipart(recordId, video), 409, 'incomplete');
    expect(early.message).toContain('1, 3');
    // "Crash": a new run begins again and learns what is stored.
    expect(await c.beginMultipart(recordId, video)).toEqual({ status: 'uploading', partSize: 5 * MiB, partCount: 4, done: [2, 4] });
    await c.putPart(recordId, video, 2, 5 * MiB); // a repeated part replaces the earlier one
    await c.putPart(recordId, video, 1, 5 * MiB);
    await c.putPart(recordId, video, 3, 5 * MiB);
    expect(await c.completeMultipart(recordId, video)).toEqual({ status: 'complete' });
    const o = await bucket.get(`published/video/${recordId}/video-0.m4v`);
    expect(o!.size).toBe(16 * MiB);
    expect(await sha256Of(new Uint8Array(await o!.arrayBuffer()))).toBe(video.sha256);
  });

  it('a changed file restarts its multipart upload', async () => {
    const recordId = newId();
    const c = client();
    const a = new Blob([new Uint8Array(6 * MiB).fill(1)]);
    const b = new Blob([new Uint8Array(6 * MiB).fill(2)]);
    const fa = { format: 'video', path: 'v.webm', data: a, sha256: await sha256Of(a) };
    const fb = { format: 'video', path: 'v.webm', data: b, sha256: await sha256Of(b) };
    await c.beginMultipart(recordId, fa);
    await c.putPart(recordId, fa, 1, 5 * MiB);
    expect(await c.beginMultipart(recordId, fb)).toMatchObject({ status: 'uploading', done: [] });
    // A part of the old file no longer matches the new upload's digest… it is simply a different upload.
    await c.uploadFile(recordId, fb);
    const o = await bucket.get(`published/video/${recordId}/v.webm`);
    expect(await sha256Of(new Uint8Array(await o!.arrayBuffer()))).toBe(fb.sha256);
  });
});

describe('recording ingest: round trips', () => {
  it('a file PUT costs 1 Postgres query (the ownership claim), complete 2 (claim, one transaction); no Redis', async () => {
    const recordId = newId();
    // A long server cache: no background refresh lands inside the counted window.
    const c = client('node-a', { env: { SERVER_CACHE_SECONDS: '3600' } });
    const upload = files({ recordId });
    await c.status(recordId);
    const one = { ...upload[1]!, sha256: await sha256Of(upload[1]!.data) };
    await resetCounters();
    await c.putFile(recordId, one);
    expect(await counters()).toEqual({ redis: 0, postgres: 1 });
    await c.uploadRecording(recordId, upload);
    const manifest = (await Promise.all(upload.map(async (f) => `${await sha256Of(f.data)} ${f.data.size} ${f.format}/${f.path}\n`))).join('');
    await resetCounters();
    await c.complete(recordId, manifest);
    expect(await counters()).toEqual({ redis: 0, postgres: 2 });
  });
});

describe('recording ingest: recording-ready callback', () => {
  it('complete schedules the callback captured at create, in the same transaction, once however often it repeats', async () => {
    const recordId = newId();
    const meetingId = `meeting-${recordId}`;
    await rememberMeetingCallbacks(svc.sql, { tenant: 'default', meetingID: meetingId, recordingReadyUrl: `${receiver}/ready` });
    const upload = files({ recordId, meetingId });
    await client().uploadRecording(recordId, upload);
    await client().uploadRecording(recordId, upload);
    const deliveries = await svc.sql.query(`SELECT kind, url, payload FROM callback_deliveries WHERE record_id = $1`, [recordId]);
    expect(deliveries).toEqual([{ kind: 'recording_ready', url: `${receiver}/ready`, payload: { meeting_id: meetingId, record_id: recordId } }]);
  });

  it('a recording whose import fails schedules nothing', async () => {
    const recordId = newId();
    const meetingId = `meeting-${recordId}`;
    await rememberMeetingCallbacks(svc.sql, { tenant: 'default', meetingID: meetingId, recordingReadyUrl: 'https://lms.example.com/ready' });
    const broken = files({ recordId, meetingId }).filter((f) => f.path !== 'metadata.xml');
    await expectError(client().uploadRecording(recordId, broken), 422, 'missing_metadata');
    expect(await svc.sql.query(`SELECT 1 FROM callback_deliveries WHERE record_id = $1`, [recordId])).toEqual([]);
  });
});

describe('recording ingest: settings', () => {
  it('RECORDING_IMPORT_UNPUBLISHED: imported unpublished, objects under unpublished/', async () => {
    const recordId = newId();
    const res = await client('node-a', { env: { RECORDING_IMPORT_UNPUBLISHED: 'true' } }).uploadRecording(recordId, files({ recordId }));
    expect(res.published).toBe(false);
    expect(await row(recordId)).toMatchObject({ published: false, state: 'unpublished' });
    const objects = await listRecordingObjects(bucket, recordId);
    expect(new Set(objects.map((o) => o.visibility))).toEqual(new Set(['unpublished']));
  });

  it('an API unpublish wins over a re-upload, and the objects follow it', async () => {
    const recordId = newId();
    const upload = files({ recordId });
    await client().uploadRecording(recordId, upload);
    await svc.sql.query(`UPDATE recordings SET published = false, state = 'unpublished', publish_updated = true WHERE record_id = $1`, [recordId]);
    const res = await client().uploadRecording(recordId, upload);
    expect(res.published).toBe(false);
    expect(await row(recordId)).toMatchObject({ published: false, state: 'unpublished', publish_updated: true });
    const objects = await listRecordingObjects(bucket, recordId);
    expect(objects).toHaveLength(upload.length);
    expect(objects.every((o) => o.visibility === 'unpublished')).toBe(true);
  });

  it('the index is the authority over a re-upload: an LMS\'s unpublish through the API, a copy left under published/, a recording held back', async () => {
    const recordId = newId();
    const upload = files({ recordId });
    await client().uploadRecording(recordId, upload);
    expect((await call('publishRecordings', { recordID: recordId, publish: 'false' })).published).toBe('false');
    // A copy under published/, as an interrupted move or an older importer left it.
    await bucket.put(`published/presentation/${recordId}/shapes.svg`, 'stray', { customMetadata: { sha256: 'x' } });
    const res = await client().uploadRecording(recordId, upload);
    expect(res.published).toBe(false);
    expect(await row(recordId)).toMatchObject({ published: false, state: 'unpublished' });
    const objects = await listRecordingObjects(bucket, recordId);
    expect(objects.filter((o) => o.visibility === 'published')).toEqual([]);
    expect(objects).toHaveLength(upload.length);

    // Held back by RECORDING_IMPORT_UNPUBLISHED, then the setting turned off: a re-upload does not publish it.
    const held = newId();
    await client('node-a', { env: { RECORDING_IMPORT_UNPUBLISHED: 'true' } }).uploadRecording(held, files({ recordId: held }));
    expect((await client().uploadRecording(held, files({ recordId: held }))).published).toBe(false);
    expect(await row(held)).toMatchObject({ published: false, state: 'unpublished' });
    expect((await listRecordingObjects(bucket, held)).every((o) => o.visibility === 'unpublished')).toBe(true);
  });

  it('a multipart upload begun before an unpublish is not finished under published/: the node begins it again', async () => {
    const recordId = newId();
    const c = client();
    const upload = files({ recordId, videoBytes: 6 * MiB });
    await c.uploadRecording(recordId, upload);
    const data = new Blob([new Uint8Array(6 * MiB).fill(5)]);
    const video: UploadFile & { sha256: string } = { format: 'video', path: 'video-0.m4v', data, sha256: await sha256Of(data) };
    await c.beginMultipart(recordId, video);
    await c.putPart(recordId, video, 1, 5 * MiB);
    await call('publishRecordings', { recordID: recordId, publish: 'false' });
    await expectError(c.putPart(recordId, video, 2, 5 * MiB), 404, 'not_found');
    await c.uploadFile(recordId, video);
    const objects = await listRecordingObjects(bucket, recordId);
    expect(objects.filter((o) => o.visibility === 'published')).toEqual([]);
    expect(objects.find((o) => o.path === 'video-0.m4v')).toMatchObject({ visibility: 'unpublished', sha256: video.sha256 });
  });

  it('PROTECTED_RECORDINGS_ENABLED protects new recordings; breakout fields are indexed', async () => {
    const recordId = newId();
    await client('node-a', { env: { PROTECTED_RECORDINGS_ENABLED: 'true' } }).uploadRecording(
      recordId,
      files({ recordId, breakout: { parentMeetingId: 'parent-internal-1', sequence: 2 } }),
    );
    expect(await row(recordId)).toMatchObject({ protected: true, is_breakout: true, parent_meeting_id: 'parent-internal-1', breakout_sequence: 2 });
  });

  it('RECORDING_DISABLED refuses every ingest call', async () => {
    const recordId = newId();
    await expectError(client('node-a', { env: { RECORDING_DISABLED: 'true' } }).uploadRecording(recordId, files({ recordId })), 403, 'recordings_disabled');
    expect(await row(recordId)).toBeUndefined();
  });

  it('a recording deleted through the API is not imported again', async () => {
    const recordId = newId();
    await client().uploadRecording(recordId, files({ recordId }));
    await svc.sql.query(`UPDATE recordings SET state = 'deleted', deleted_at = now() WHERE record_id = $1`, [recordId]);
    await expectError(client().uploadRecording(recordId, files({ recordId })), 410, 'recording_deleted');
  });
});

describe('recording ingest: authentication', () => {
  const signedGet = (c: IngestClient, recordId: string) => c.status(recordId);

  it('wrong secret, unknown server: bad_signature; no detail about which', async () => {
    const id = newId();
    await expectError(signedGet(client('node-a', { secret: 'node-b-secret' }), id), 401, 'bad_signature');
    const unknown = new IngestClient({ baseUrl: BASE, serverId: 'nobody', secret: 'x', send: (r) => send(r) });
    await expectError(signedGet(unknown, id), 401, 'bad_signature');
  });

  it('a timestamp outside the clock skew is refused, in both directions', async () => {
    const id = newId();
    await expectError(signedGet(client('node-a', { now: () => Date.now() - 301_000 }), id), 401, 'stale_timestamp');
    await expectError(signedGet(client('node-a', { now: () => Date.now() + 301_000 }), id), 401, 'stale_timestamp');
    expect(await signedGet(client('node-a', { now: () => Date.now() - 200_000 }), id)).toEqual(new Set());
  });

  it('missing headers, tampered path or body: refused', async () => {
    const id = newId();
    const plain = await send(new Request(`${BASE}/recordings/ingest/v1/status/${id}`));
    expect(plain.status).toBe(401);
    expect(await plain.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    // A signature for one recording does not open another.
    const c = client();
    const signed = await c.request('GET', `status/${id}`);
    expect(signed.status).toBe(200);
    const headers = new Headers(((await captureRequest(c, 'GET', `status/${id}`)).headers));
    const other = await send(new Request(`${BASE}/recordings/ingest/v1/status/${newId()}`, { headers }));
    expect(other.status).toBe(401);
    // A body that is not the one signed.
    const body = await captureRequest(c, 'POST', `complete/${id}`, 'x');
    const swapped = await send(new Request(body.url, { method: 'POST', headers: body.headers, body: 'y' }));
    expect(await swapped.json()).toMatchObject({ error: { code: 'digest_mismatch' } });
  });

  it('a node cannot write a recording another node owns', async () => {
    const recordId = newId();
    await client('node-a').uploadRecording(recordId, files({ recordId }));
    const upload = files({ recordId });
    await expectError(client('node-b').uploadRecording(recordId, upload), 403, 'foreign_recording');
    const f = { ...upload[1]!, sha256: await sha256Of(upload[1]!.data) };
    await expectError(client('node-b').putFile(recordId, f), 403, 'foreign_recording');
    // Also while the first upload is still in progress (nothing indexed yet).
    const fresh = newId();
    await client('node-a').putFile(fresh, f);
    await expectError(client('node-b').putFile(fresh, f), 403, 'foreign_recording');
    expect((await row(recordId))!.server_id).toBe('node-a');
  });
});

/** The request the client would send, without sending it. */
async function captureRequest(c: IngestClient, method: string, target: string, body?: string): Promise<Request> {
  let captured: Request | undefined;
  const spy = new IngestClient({ ...c.o, send: async (req) => ((captured = req), new Response('{}', { headers: { 'content-type': 'application/json' } })) });
  await spy.request(method, target, body);
  return captured!;
}

describe('recording ingest: bad input, nothing half-indexed', () => {
  const c = client();
  const one = async (path: string, format = 'presentation', data = new Blob(['x'])) => c.putFile(newId(), { format, path, data, sha256: await sha256Of(data) });

  it('path traversal and odd names: invalid_path', async () => {
    for (const path of ['%2e%2e%2fsecret', '..%2F..%2Fx', 'a/%2e%2e/%2e%2e/b', 'a%5cb', 'a%00b', 'a//b', '%2Fabs', 'a/%2E/b', '%ZZ']) {
      const recordId = newId();
      const res = await c.request('PUT', `file/${recordId}/presentation/${path}`, 'x');
      // WHATWG URL parsing folds some dot segments before the Worker sees them: then the signature no longer matches.
      expect([400, 401], path).toContain(res.status);
      const body = (await res.json()) as { error: { code: string } };
      expect(['invalid_path', 'bad_signature'], path).toContain(body.error.code);
      if (!path.includes('%2e') && !path.includes('%2E')) expect(body.error.code, path).toBe('invalid_path');
    }
    expect((await bucket.list({ prefix: 'published/presentation/' })).objects.every((o) => !o.key.includes('..'))).toBe(true);
  });

  it('unknown format, bad record id: clear errors', async () => {
    await expectError(one('x.txt', 'raw'), 400, 'unknown_format');
    const res = await c.request('PUT', 'file/..%2F..%2Fetc/presentation/x', 'x');
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_path' } });
    const odd = await c.request('PUT', 'file/a.b/presentation/x', 'x');
    expect(await odd.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('a body that does not match its digest is not stored (file and part)', async () => {
    const recordId = newId();
    const data = new Blob(['real content']);
    await expectError(c.putFile(recordId, { format: 'presentation', path: 'a.txt', data, sha256: await sha256Of('other') }), 400, 'digest_mismatch');
    expect(await bucket.head(`published/presentation/${recordId}/a.txt`)).toBeNull();

    const big = new Blob([new Uint8Array(6 * MiB).fill(5)]);
    const f = { format: 'video', path: 'v.webm', data: big, sha256: await sha256Of(big) };
    await c.beginMultipart(recordId, f);
    const part = big.slice(0, 5 * MiB);
    const res = await c.request('PUT', `part/${recordId}/video/v.webm?number=1`, part, await sha256Of('nope'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'digest_mismatch' } });
    expect(await c.beginMultipart(recordId, f)).toMatchObject({ done: [] });
    // Wrong part size and number.
    const short = await c.request('PUT', `part/${recordId}/video/v.webm?number=1`, big.slice(0, 1000));
    expect(await short.json()).toMatchObject({ error: { code: 'size_mismatch' } });
    const beyond = await c.request('PUT', `part/${recordId}/video/v.webm?number=3`, big.slice(0, 1000));
    expect(await beyond.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('oversized files are refused before anything is stored', async () => {
    const small = client('node-a', { env: { RECORDING_INGEST_MAX_REQUEST_MB: '0.001', RECORDING_INGEST_MAX_FILE_MB: '6' } });
    const recordId = newId();
    const data = new Blob([new Uint8Array(2000)]);
    await expectError(small.putFile(recordId, { format: 'presentation', path: 'big.bin', data, sha256: await sha256Of(data) }), 413, 'too_large');
    const huge = new Blob([new Uint8Array(7 * MiB)]);
    await expectError(client('node-a', { env: { RECORDING_INGEST_MAX_FILE_MB: '6' } }).beginMultipart(recordId, { format: 'video', path: 'v', data: huge, sha256: await sha256Of(huge) }), 413, 'too_large');
    expect(await listRecordingObjects(bucket, recordId)).toEqual([]);
  });

  it('missing metadata.xml, a file not uploaded, broken or foreign metadata: 4xx and no index row', async () => {
    const cases: [string, (f: UploadFile[], id: string) => UploadFile[], number, string][] = [
      ['no metadata.xml', (f) => f.filter((x) => x.path !== 'metadata.xml'), 422, 'missing_metadata'],
      [
        'DOCTYPE',
        (f) => f.map((x) => (x.path === 'metadata.xml' ? { ...x, data: new Blob(['<!DOCTYPE x [<!ENTITY a "b">]><recording/>']) } : x)),
        422,
        'invalid_metadata',
      ],
      ['not XML', (f) => f.map((x) => (x.path === 'metadata.xml' ? { ...x, data: new Blob(['<recording><id>x']) } : x)), 422, 'invalid_metadata'],
      [
        'another recording',
        (f) => f.map((x) => (x.path === 'metadata.xml' ? { ...x, data: new Blob([recordingFixture({ recordId: 'zz-1' })[0]!.data]) } : x)),
        422,
        'invalid_metadata',
      ],
    ];
    for (const [what, change, status, code] of cases) {
      const recordId = newId();
      await expectError(client().uploadRecording(recordId, change(files({ recordId }), recordId)), status, code);
      expect(await row(recordId), what).toBeUndefined();
    }
    // A manifest naming a file that was never uploaded.
    const recordId = newId();
    await client().uploadRecording(recordId, files({ recordId }));
    const extra = `${await sha256Of('never')} 5 presentation/never.txt\n`;
    const e = await expectError(client().complete(recordId, extra), 409, 'incomplete');
    expect(e.message).toContain('presentation/never.txt');
    await expectError(client().complete(recordId, 'not a manifest'), 400, 'bad_request');
  });

  it('unknown operations: JSON 404, not BBB XML', async () => {
    const res = await send(new Request(`${BASE}/recordings/ingest/v1/nope/x`, { method: 'DELETE' }));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('recording ingest: batches of small files (POST files)', () => {
  type Sendable = UploadFile & { sha256: string };
  const withDigest = async (f: UploadFile): Promise<Sendable> => ({ ...f, sha256: await sha256Of(f.data) });
  const small = async (recordId: string) => Promise.all(files({ recordId }).map(withDigest));
  const listOf = (fs: Sendable[]) => fs.map((f) => `${f.sha256} ${f.data.size} ${f.format}/${f.path}\n`).join('') + '\n';
  /** A batch request with the body and signed digest given, as a node that gets them wrong would send. */
  const rawBatch = (c: IngestClient, recordId: string, body: Blob, listSha256: string) => c.request('POST', `files/${recordId}`, body, listSha256);
  const stored = async (recordId: string) => (await listRecordingObjects(bucket, recordId)).map((o) => `${o.sha256} ${o.size} ${o.format}/${o.path}`).sort();

  it('an old client (one file per request) and a batching one store the same objects and index; the batch takes 1 request for 7 files', async () => {
    const requests: Record<string, string[]> = { old: [], batching: [] };
    const counting = (kind: string, batchFiles?: number) =>
      new IngestClient({ baseUrl: BASE, serverId: 'node-a', secret: 'node-a-secret', partSize: 5 * MiB, batchFiles, send: (req) => (requests[kind]!.push(`${req.method} ${new URL(req.url).pathname.split('/')[4]}`), send(req)) });
    const [a, b] = [newId(), newId()];
    await counting('old', 1).uploadRecording(a, files({ recordId: a, videoBytes: 6 * MiB }));
    await counting('batching').uploadRecording(b, files({ recordId: b, videoBytes: 6 * MiB }));
    expect(requests.old!.filter((r) => r === 'PUT file')).toHaveLength(7);
    expect(requests.batching!.filter((r) => r.endsWith(' file') || r.endsWith(' files'))).toEqual(['POST files']);
    const paths = async (id: string) => (await stored(id)).map((l) => l.split(' ')[2]).sort();
    expect(await paths(b)).toEqual(await paths(a));
    expect(await paths(b)).toHaveLength(8);
    expect(await formats(b)).toHaveLength(2);
    expect(await row(b)).toMatchObject({ state: 'published', published: true, server_id: 'node-a' });
  });

  it('a batch costs 1 Postgres query (the ownership claim), whatever its size; no Redis', async () => {
    const recordId = newId();
    const c = client('node-a', { env: { SERVER_CACHE_SECONDS: '3600' } });
    await c.status(recordId);
    await resetCounters();
    expect(await c.putFiles(recordId, await small(recordId))).toEqual({ stored: 6 });
    expect(await counters()).toEqual({ redis: 0, postgres: 1 });
  });

  it('a batch cut short keeps the files it delivered whole; status lists them and a re-run sends only the rest', async () => {
    const recordId = newId();
    const fs = await small(recordId);
    const c = client();
    const req = await (async () => {
      let captured: Request | undefined;
      const spy = new IngestClient({ ...c.o, send: async (r) => ((captured = r), Response.json({})) });
      await spy.putFiles(recordId, fs);
      return captured!;
    })();
    // The list and the first two files, then half the third; the connection then dies.
    const keep = new TextEncoder().encode(listOf(fs)).length + fs[0]!.data.size + fs[1]!.data.size + Math.floor(fs[2]!.data.size / 2);
    const res = await send(await cutBody(req, keep));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'size_mismatch' } });
    expect(await c.status(recordId)).toEqual(new Set(fs.slice(0, 2).map((f) => `${f.sha256} ${f.data.size} ${f.format}/${f.path}`)));

    const sentAgain: string[] = [];
    const resumed = new IngestClient({ ...c.o, send: async (r) => (sentAgain.push(r.method + ' ' + new URL(r.url).pathname.split('/')[4]), send(r.clone()).then(async (x) => { if (r.method === 'POST' && r.url.includes('/files/')) sentAgain.push(String((await r.text()).split('\n\n')[0]!.split('\n').length)); return x; })) });
    expect((await resumed.uploadRecording(recordId, fs)).formats).toEqual(['presentation']);
    expect(sentAgain).toEqual(['GET status', 'POST files', '4', 'POST complete']);
    expect(await stored(recordId)).toEqual(fs.map((f) => `${f.sha256} ${f.data.size} ${f.format}/${f.path}`).sort());
  });

  it('a file that does not match its listed SHA-256 is not stored; the files before it are; a tampered list stores nothing', async () => {
    const recordId = newId();
    const fs = await small(recordId);
    const c = client();
    const lying = [fs[0]!, { ...fs[1]!, sha256: await sha256Of('something else') }, fs[2]!];
    const list = listOf(lying);
    const res = await rawBatch(c, recordId, new Blob([list, ...lying.map((f) => f.data)]), await sha256Of(list));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'digest_mismatch' } });
    const keys = await stored(recordId);
    expect(keys).toContain(`${fs[0]!.sha256} ${fs[0]!.data.size} presentation/${fs[0]!.path}`);
    expect(keys.some((k) => k.endsWith(`presentation/${fs[1]!.path}`))).toBe(false);

    // The signature covers the list: another list under it is refused before anything is stored.
    const other = newId();
    const signed = listOf(fs.slice(0, 1));
    const swapped = listOf(fs.slice(1, 2));
    const tampered = await rawBatch(c, other, new Blob([swapped, fs[1]!.data]), await sha256Of(signed));
    expect(await tampered.json()).toMatchObject({ error: { code: 'digest_mismatch' } });
    expect(await listRecordingObjects(bucket, other)).toEqual([]);
  });

  it('bad batches get a stable code, never a 5xx, and store nothing', async () => {
    const c = client();
    const f = (await small(newId()))[1]!;
    const line = (path: string, format = 'presentation', size = f.data.size) => `${f.sha256} ${size} ${format}/${path}\n`;
    const cases: [string, string, Blob | undefined, number, string][] = [
      ['path traversal', line('../x') + '\n', f.data, 400, 'invalid_path'],
      ['unknown format', line('a.svg', 'nosuchformat') + '\n', f.data, 400, 'unknown_format'],
      ['not a list', 'hello\n\n', f.data, 400, 'bad_request'],
      ['an empty list', '\n', undefined, 400, 'bad_request'],
      ['a repeated file', line('a.svg') + line('a.svg') + '\n', new Blob([f.data, f.data]), 400, 'bad_request'],
      ['more bytes than listed', line('a.svg') + '\n', new Blob([f.data, 'extra']), 400, 'size_mismatch'],
      ['fewer bytes than listed', line('a.svg', 'presentation', f.data.size + 10) + '\n', f.data, 400, 'size_mismatch'],
      ['no empty line after the list', line('a.svg'), undefined, 400, 'size_mismatch'],
      ['a file too large for a batch', line('big.webm', 'presentation', 4 * MiB + 1) + '\n', new Blob([new Uint8Array(4 * MiB + 1)]), 413, 'too_large'],
    ];
    for (const [what, list, data, status, code] of cases) {
      const recordId = newId();
      const res = await rawBatch(c, recordId, new Blob(data ? [list, data] : [list]), await sha256Of(list));
      expect([what, res.status, ((await res.json()) as { error?: { code: string } }).error?.code]).toEqual([what, status, code]);
      expect(await listRecordingObjects(bucket, recordId), what).toEqual([]);
    }
    const many = Array.from({ length: 501 }, (_, i) => line(`s${i}.svg`)).join('') + '\n';
    const tooMany = await rawBatch(c, newId(), new Blob([many, ...Array.from({ length: 501 }, () => f.data)]), await sha256Of(many));
    expect(await tooMany.json()).toMatchObject({ error: { code: 'too_large' } });
    const limited = client('node-a', { env: { RECORDING_INGEST_MAX_REQUEST_MB: '0.001' } });
    await expectError(limited.putFiles(newId(), await small(newId())), 413, 'too_large');
  });

  it('a batch for a recording another node owns is refused', async () => {
    const recordId = newId();
    await client('node-a').uploadRecording(recordId, files({ recordId }));
    await expectError(client('node-b').putFiles(recordId, await small(recordId)), 403, 'foreign_recording');
  });
});
