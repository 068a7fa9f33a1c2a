import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngestClient, IngestError, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { eventsExcerpt, recordingFixture, type FixtureOptions } from '../support/recordings-ingest-fixture';
import { v1 } from './admin-v1-support';
import { recordingsXml } from './recordings-api-support';
import { BASE, bbb, counters, resetCounters, send } from './support';

const svc = services(env);
const ENDED = 1_700_000_000;
let seq = 0;
// BBB's record ids end with the meeting's creation time in ms.
const newId = () => `${'cd'.repeat(20)}-${1_700_000_000_000 + seq++}`;

const client = (server: 'proc-a' | 'proc-b' = 'proc-a') =>
  new IngestClient({ baseUrl: BASE, serverId: server, secret: `${server}-secret`, send: (req) => send(req) });

const report = (recordId: string, state: 'processing' | 'processed', o: Partial<FixtureOptions> & { format?: string; server?: 'proc-a' | 'proc-b' } = {}) =>
  client(o.server).reportProcessing(recordId, {
    state,
    formats: ['presentation', 'video', 'podcast'],
    ended: ENDED,
    ...(o.format ? { format: o.format } : {}),
    events: eventsExcerpt({ recordId, ...o }),
  });

const list = (params: Record<string, string>) => recordingsXml(bbb('getRecordings', params));

async function processingRow(recordId: string) {
  return (await svc.sql.query('SELECT * FROM recording_processing WHERE record_id = $1', [recordId]))[0];
}

beforeAll(async () => {
  for (const id of ['proc-a', 'proc-b']) {
    await svc.sql.query('DELETE FROM servers WHERE id = $1', [id]);
    await insertServer(svc.sql, { id, url: `https://${id}.example.com/bigbluebutton/api`, secret: `${id}-secret`, tag: null, loadMultiplier: 1 });
  }
  invalidateServers();
});

describe('recordings processing: reported by the node before publishing', () => {
  it('follows a recording from the end of the meeting to published, as getRecordings and drain see it', async () => {
    const recordId = newId();
    const meetingID = `room-${recordId}`;
    const disabled = { meetingId: meetingID, meta: { 'bbb-disable-recording-formats': '[Video, notes]' } };
    expect(await report(recordId, 'processing', disabled)).toEqual({ recordID: recordId, state: 'processing', formats: ['presentation', 'podcast'] });
    expect(await processingRow(recordId)).toMatchObject({
      server_id: 'proc-a',
      meeting_id: meetingID,
      state: 'processing',
      formats: ['presentation', 'podcast'],
      processed: [],
      start_time: new Date(Number(recordId.split('-')[1])),
      meeting_ended_at: new Date(ENDED * 1000),
    });

    // BBB omits processing recordings unless asked; asked, in one Postgres round trip.
    expect((await list({ meetingID })).list).toEqual([]);
    await resetCounters();
    const { list: processing } = await list({ meetingID, state: 'processing' });
    expect(await counters()).toEqual({ redis: 0, postgres: 1 });
    expect(processing).toHaveLength(1);
    expect(processing[0]).toMatchObject({ recordID: recordId, meetingID, internalMeetingID: recordId, state: 'processing', published: 'false', playback: '' });
    expect(processing[0].metadata).toMatchObject({ 'gl-listed': 'false', 'bbb-disable-recording-formats': '[Video, notes]' });
    expect((await list({ meetingID, state: 'any' })).list).toHaveLength(1);

    // Processed once a format is; a late processing report (hooks in any order) does not go back.
    await report(recordId, 'processed', { ...disabled, format: 'presentation' });
    await report(recordId, 'processing', disabled);
    expect(await processingRow(recordId)).toMatchObject({ state: 'processed', processed: ['presentation'] });
    expect((await list({ meetingID, state: 'processing' })).list).toEqual([]);
    expect((await list({ meetingID, state: 'processed' })).list[0]).toMatchObject({ recordID: recordId, state: 'processed' });

    const inFlight = await v1('GET', '/servers/proc-a/recordings-in-flight');
    expect(inFlight.json.processing).toEqual({ count: 1, recordIds: [recordId] });

    // Published by the upload as before: gone from processing, listed as published.
    const files: UploadFile[] = recordingFixture({ recordId, meetingId: meetingID }).map((f) => ({ ...f, data: new Blob([f.data]) }));
    await client().uploadRecording(recordId, files);
    expect(await processingRow(recordId)).toBeUndefined();
    expect((await list({ meetingID, state: 'processing,processed' })).list).toEqual([]);
    expect((await list({ meetingID })).list[0]).toMatchObject({ recordID: recordId, state: 'published' });
    expect((await v1('GET', '/servers/proc-a/recordings-in-flight')).json.processing).toEqual({ count: 0, recordIds: [] });

    // A hook that runs again after publishing (a rebuild) changes nothing.
    expect(await report(recordId, 'processed', { ...disabled, format: 'podcast' })).toMatchObject({ state: 'indexed' });
    expect(await processingRow(recordId)).toBeUndefined();
  });

  it('refuses another node, an excerpt for another recording, and a bad state', async () => {
    const recordId = newId();
    await report(recordId, 'processing');
    await expect(report(recordId, 'processed', { server: 'proc-b', format: 'presentation' })).rejects.toMatchObject({ status: 403, code: 'foreign_recording' });
    const other = client().reportProcessing(recordId, { state: 'processing', formats: [], ended: ENDED, events: eventsExcerpt({ recordId: newId() }) });
    await expect(other).rejects.toMatchObject({ status: 422, code: 'invalid_metadata' });
    const hostile = client().reportProcessing(recordId, { state: 'processing', formats: [], ended: ENDED, events: '<!DOCTYPE x><recording/>' });
    await expect(hostile).rejects.toBeInstanceOf(IngestError);
    const bad = client().request('POST', `processing/${recordId}?state=published&ended=1`, eventsExcerpt({ recordId }));
    expect((await bad).status).toBe(400);
    expect(await processingRow(recordId)).toMatchObject({ server_id: 'proc-a', state: 'processing' });
  });

  it('an operator forgets a recording whose processing failed on its node', async () => {
    const recordId = newId();
    await report(recordId, 'processing');
    expect((await v1('DELETE', `/servers/proc-b/recordings-in-flight/${recordId}`)).status).toBe(404);
    expect((await v1('DELETE', `/servers/proc-a/recordings-in-flight/${recordId}`)).json).toEqual({ ok: true });
    expect(await processingRow(recordId)).toBeUndefined();
    expect((await v1('DELETE', `/servers/proc-a/recordings-in-flight/${recordId}`)).status).toBe(404);
  });
});
