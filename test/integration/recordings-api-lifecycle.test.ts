/**
 * The issue's acceptance path for the API and playback: a recording uploaded through the real
 * ingest protocol (R1's client and fixture) is listed by getRecordings, plays by redirect to an
 * object that exists, and publish/unpublish, protect and delete behave — all through the Worker
 * against real Postgres, Redis and R2.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, expect, it } from 'vitest';
import { IngestClient, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { recordingFixture } from '../support/recordings-ingest-fixture';
import { keysUnder, recordingsXml, resetRecordings } from './recordings-api-support';
import { BASE, bbb, send } from './support';

const ENV = { SECRET_KEY_BASE: 'lifecycle-key', PROTECTED_RECORDINGS_ENABLED: 'true' };
const recordId = `${'cd'.repeat(20)}-1530718721124`;

const get = (url: string, headers: Record<string, string> = {}) => send(new Request(url, { redirect: 'manual', headers }), ENV);
const list = async () => (await recordingsXml(bbb('getRecordings', { recordID: recordId, state: 'any' }, { env: ENV }))).list;
const api = async (call: string, params: Record<string, string>) => (await recordingsXml(bbb(call, params, { env: ENV }))).response;

/** Follows the balancer's redirect for a file and returns the bytes the browser would get. */
async function fetchFile(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body?: Uint8Array }> {
  const res = await get(BASE + path, headers);
  if (res.status !== 302) return { status: res.status };
  const file = await get(res.headers.get('location')!);
  return { status: file.status, body: new Uint8Array(await file.arrayBuffer()) };
}

beforeAll(async () => {
  await resetRecordings();
  const svc = services(env);
  await svc.sql.query('DELETE FROM servers');
  await insertServer(svc.sql, { id: 'node-a', url: 'https://node-a.example.com/bigbluebutton/api', secret: 'node-a-secret', tag: null, loadMultiplier: 1 });
  invalidateServers();
});

it('an uploaded recording is listed, plays, unpublishes, republishes, is protected and deleted', async () => {
  const files = recordingFixture({ recordId, videoBytes: 64 * 1024, meta: { 'bbb-context': 'Course 1' } });
  // Imported while protection is off, so it starts open (with it on, imports are protected).
  const client = new IngestClient({ baseUrl: BASE, serverId: 'node-a', secret: 'node-a-secret', send: (req) => send(req) });
  await client.uploadRecording(recordId, files.map((f): UploadFile => ({ ...f, data: new Blob([f.data]) })));

  // Listed, with the balancer's host in every URL.
  const [rec] = await list();
  expect(rec).toMatchObject({ recordID: recordId, published: 'true', protected: 'false', state: 'published', rawSize: '123456' });
  const urls = Object.fromEntries(rec.playback.format.map((f: { type: string; url: string }) => [f.type, f.url]));
  expect(urls).toEqual({ presentation: `${BASE}/playback/presentation/2.3/${recordId}`, video: `${BASE}/playback/video/${recordId}/` });
  const thumb = rec.playback.format[0].preview.images.image[0]['#text'] as string;
  expect(thumb).toBe(`${BASE}/presentation/${recordId}/presentation/d2d9-1/thumbnails/thumb-1.png`);

  // Plays: the redirect leads to the very bytes that were uploaded.
  const original = files.find((f) => f.path === 'presentation/d2d9-1/thumbnails/thumb-1.png')!.data;
  const played = await fetchFile(new URL(thumb).pathname);
  expect(played.status).toBe(200);
  expect(played.body).toEqual(original);
  const video = await get(urls.video);
  expect(video.headers.get('location')).toBe(`${BASE}/video/${recordId}/`);

  // Unpublished: files move, playback stops, the listing follows.
  expect((await api('publishRecordings', { recordID: recordId, publish: 'false' })).published).toBe('false');
  expect(await keysUnder(`published/presentation/${recordId}/`)).toEqual([]);
  expect((await keysUnder(`unpublished/presentation/${recordId}/`)).length).toBe(6);
  expect((await fetchFile(`/presentation/${recordId}/metadata.xml`)).status).toBe(404);
  expect((await list())[0]).toMatchObject({ published: 'false', state: 'unpublished' });

  // Republished and protected: one-time links; the file plays only with the link's cookie.
  await api('publishRecordings', { recordID: recordId, publish: 'true' });
  expect((await api('updateRecordings', { recordID: recordId, protect: 'true' })).updated).toBe('true');
  const [prot] = await list();
  expect(prot.protected).toBe('true');
  const link = prot.playback.format.find((f: { type: string }) => f.type === 'presentation').url as string;
  expect(link).toMatch(new RegExp(`^${BASE}/recording/${recordId}/presentation\\?token=`));
  expect((await fetchFile(`/presentation/${recordId}/metadata.xml`)).status).toBe(404);
  const opened = await get(link);
  expect(opened.status).toBe(307);
  const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
  const meta = await fetchFile(`/presentation/${recordId}/metadata.xml`, { Cookie: cookie });
  expect(meta.status).toBe(200);
  expect(new TextDecoder().decode(meta.body)).toContain(`<id>${recordId}</id>`);
  expect((await get(link)).status).toBe(404);

  // Deleted while unpublished: every object of both prefixes gone, listed as deleted, never played again.
  await api('publishRecordings', { recordID: recordId, publish: 'false' });
  expect((await api('deleteRecordings', { recordID: recordId })).deleted).toBe('true');
  expect(await keysUnder('published/')).toEqual([]);
  expect(await keysUnder('unpublished/')).toEqual([]);
  expect((await list())[0]).toMatchObject({ state: 'deleted', published: 'false' });
  expect((await fetchFile(`/presentation/${recordId}/metadata.xml`, { Cookie: cookie })).status).toBe(404);
});
