/**
 * Uploads interrupted at random points, 100 times: before a request reaches the Worker, in the
 * middle of its body (the connection dies mid-file or mid-part), or after the Worker answered
 * (the answer is lost). Each interrupted run is simply run again, as the node-side script does.
 * In the end every recording is indexed exactly once and every object is intact.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, expect, it } from 'vitest';
import { IngestClient, sha256Of, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { listRecordingObjects } from '../../src/recordings/objects';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { bytes, recordingFixture } from '../support/recordings-ingest-fixture';
import { BASE, cutBody, send } from './support';

const svc = services(env);
const bucket = (env as unknown as { RECORDINGS: R2Bucket }).RECORDINGS;
const MiB = 1024 * 1024;
const INTERRUPTIONS = 100;
// Fixed, so a failure reproduces; change it to explore other interleavings.
const SEED = 20261121;

/** A small seeded PRNG (mulberry32): a failure reproduces with the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Interrupted extends Error {}

beforeAll(async () => {
  await insertServer(svc.sql, { id: 'node-int', url: 'https://node-int.example.com/bigbluebutton/api', secret: 'node-int-secret', tag: null, loadMultiplier: 1 });
  invalidateServers();
});

it(`${INTERRUPTIONS} random interruptions: every recording present exactly once and intact`, { timeout: 120_000 }, async () => {
  const rnd = random(SEED);
  const recordings = Array.from({ length: 6 }, (_, i) => {
    const recordId = `${'ef'.repeat(20)}-${Date.now()}${i}`;
    const files: UploadFile[] = recordingFixture({ recordId, videoBytes: i % 2 === 0 ? 11 * MiB + i : 0 }).map((f) => ({ ...f, data: new Blob([f.data]) }));
    // A second large file in its own format, so a recording can have several multipart uploads in flight.
    if (i === 0) files.push({ format: 'screenshare', path: 'deskshare.webm', data: new Blob([bytes(6 * MiB, 99)]) });
    if (i === 0) files.push({ format: 'screenshare', path: 'metadata.xml', data: new Blob([recordingFixture({ recordId })[0]!.data]) });
    return { recordId, files, done: false };
  });
  // screenshare's metadata.xml must describe the screenshare format.
  const r0 = recordings[0]!;
  const shareXml = await r0.files.find((f) => f.format === 'screenshare' && f.path === 'metadata.xml')!.data.text();
  r0.files = r0.files.map((f) =>
    f.format === 'screenshare' && f.path === 'metadata.xml' ? { ...f, data: new Blob([shareXml.replace('<format>presentation</format>', '<format>screenshare</format>')]) } : f,
  );

  let interruptions = 0;
  const kinds = { before: 0, midBody: 0, after: 0 };
  let armed = true;
  const client = new IngestClient({
    baseUrl: BASE,
    serverId: 'node-int',
    secret: 'node-int-secret',
    partSize: 5 * MiB,
    send: async (req) => {
      if (!armed || rnd() > 0.18) return send(req);
      interruptions++;
      const hasBody = req.method === 'PUT' || (req.method === 'POST' && req.headers.get('content-length') !== null);
      const kind = hasBody && rnd() < 0.5 ? 'midBody' : rnd() < 0.5 ? 'before' : 'after';
      kinds[kind]++;
      if (kind === 'before') throw new Interrupted('killed before sending');
      if (kind === 'midBody') {
        const length = Number(req.headers.get('content-length'));
        const res = await send(await cutBody(req, Math.floor(rnd() * length)));
        await res.body?.cancel();
        throw new Interrupted('killed mid-body');
      }
      const res = await send(req);
      await res.body?.cancel();
      throw new Interrupted('killed after the Worker answered');
    },
  });

  // Runs until 100 interruptions happened; completed recordings are uploaded again too (re-runs).
  while (interruptions < INTERRUPTIONS) {
    const r = recordings[Math.floor(rnd() * recordings.length)]!;
    try {
      await client.uploadRecording(r.recordId, r.files);
      r.done = true;
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
    }
  }
  armed = false;
  for (const r of recordings) await client.uploadRecording(r.recordId, r.files);

  expect(interruptions).toBeGreaterThanOrEqual(INTERRUPTIONS);
  expect(kinds.before * kinds.midBody * kinds.after, JSON.stringify(kinds)).toBeGreaterThan(0);
  for (const r of recordings) {
    const rows = await svc.sql.query('SELECT id, size FROM recordings WHERE record_id = $1', [r.recordId]);
    expect(rows).toHaveLength(1);
    const formats = new Set(r.files.map((f) => f.format));
    const indexed = await svc.sql.query('SELECT format FROM playback_formats WHERE recording_id = $1', [rows[0]!.id]);
    expect(new Set(indexed.map((f) => f.format as string))).toEqual(formats);
    expect(Number(rows[0]!.size)).toBe(r.files.reduce((s, f) => s + (f.format === 'video' ? 0 : f.data.size), 0) + (formats.has('video') ? 11 * MiB + recordings.indexOf(r) : 0));

    const objects = await listRecordingObjects(bucket, r.recordId);
    expect(objects.map((o) => `${o.visibility}/${o.format}/${o.path}`).sort()).toEqual(r.files.map((f) => `published/${f.format}/${f.path}`).sort());
    for (const f of r.files) {
      const o = await bucket.get(`published/${f.format}/${r.recordId}/${f.path}`);
      expect(await sha256Of(new Uint8Array(await o!.arrayBuffer())), f.path).toBe(await sha256Of(f.data));
    }
    expect(await svc.sql.query('SELECT 1 FROM recording_multipart_uploads WHERE record_id = $1', [r.recordId])).toEqual([]);
  }
});
