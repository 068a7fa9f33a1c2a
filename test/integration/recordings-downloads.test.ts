/**
 * Scalelite sends `Content-Disposition: attachment` for every file of a format other than
 * presentation, video and screenshare (and its S3 uploads for .pdf and .ogg). Here the header is
 * the object's own: set at upload (single PUT and multipart), answered by the Worker-served
 * fallback, and kept when publish/unpublish move the objects.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngestClient, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { bytes, metadataXml, recordingFixture, type FixtureFile } from '../support/recordings-ingest-fixture';
import { bucket, recordingsXml, resetRecordings } from './recordings-api-support';
import { BASE, bbb, send } from './support';

const KiB = 1024;
const recordId = `${'ef'.repeat(20)}-1530718721124`;
const host = 'https://node-a.example.com';
const enc = new TextEncoder();

/** Presentation and video as the fixture has them, plus podcast and notes (here as text, a notes.yml choice). */
const files: FixtureFile[] = [
  ...recordingFixture({ recordId, videoBytes: 100 * KiB }),
  { format: 'podcast', path: 'metadata.xml', data: enc.encode(metadataXml({ recordId }, 'podcast', `${host}/podcast/${recordId}/audio.ogg`)) },
  { format: 'podcast', path: 'audio.ogg', data: bytes(10 * KiB, 21) },
  { format: 'notes', path: 'metadata.xml', data: enc.encode(metadataXml({ recordId }, 'notes', `${host}/notes/${recordId}/notes.txt`)) },
  { format: 'notes', path: 'notes.txt', data: bytes(100 * KiB, 22) },
];
const DOWNLOADS = new Set(['podcast', 'notes']);

const get = (url: string) => send(new Request(url, { redirect: 'manual' }));

/** Each stored file's Content-Disposition, by `<format>/<path>`. */
async function storedDispositions(visibility: 'published' | 'unpublished'): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const f of files) {
    const head = await bucket.head(`${visibility}/${f.format}/${recordId}/${f.path}`);
    expect(head, `${visibility}/${f.format}/${f.path}`).not.toBeNull();
    out[`${f.format}/${f.path}`] = head!.httpMetadata?.contentDisposition;
  }
  return out;
}

/** What a browser gets for each file through the balancer: its redirect, then the Worker-served object. */
async function servedDispositions(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const f of files) {
    const redirect = await get(`${BASE}/${f.format}/${recordId}/${f.path}`);
    expect(redirect.status, `${f.format}/${f.path}`).toBe(302);
    const file = await get(redirect.headers.get('location')!);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(f.data);
    out[`${f.format}/${f.path}`] = file.headers.get('content-disposition');
  }
  return out;
}

const expected = <T>(none: T) => Object.fromEntries(files.map((f) => [`${f.format}/${f.path}`, DOWNLOADS.has(f.format) ? 'attachment' : none]));

const publish = async (publish: boolean) =>
  expect((await recordingsXml(bbb('publishRecordings', { recordID: recordId, publish: String(publish) }))).response.published).toBe(String(publish));

beforeAll(async () => {
  await resetRecordings();
  const svc = services(env);
  await svc.sql.query('DELETE FROM servers');
  await insertServer(svc.sql, { id: 'node-a', url: `${host}/bigbluebutton/api`, secret: 'node-a-secret', tag: null, loadMultiplier: 1 });
  invalidateServers();
  // Files over 64 KiB (the video, the notes) go through a multipart upload, the others in one PUT.
  const client = new IngestClient({ baseUrl: BASE, serverId: 'node-a', secret: 'node-a-secret', send: (req) => send(req), multipartThreshold: 64 * KiB, partSize: 5 * 1024 * KiB });
  await client.uploadRecording(recordId, files.map((f): UploadFile => ({ ...f, data: new Blob([f.data]) })));
});

describe('downloads (podcast, notes) get Content-Disposition: attachment', () => {
  it('on the stored objects, whether put whole or in parts; presentation and video do not', async () => {
    expect(await storedDispositions('published')).toEqual(expected(undefined));
  });

  it('on the files served through the balancer', async () => {
    expect(await servedDispositions()).toEqual(expected(null));
  });

  it('after unpublish and publish move the objects', async () => {
    await publish(false);
    expect(await storedDispositions('unpublished')).toEqual(expected(undefined));
    await publish(true);
    expect(await storedDispositions('published')).toEqual(expected(undefined));
    expect(await servedDispositions()).toEqual(expected(null));
  });
});
