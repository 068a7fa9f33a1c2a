/**
 * The recording-ready callback goes out right after `complete` (in its waitUntil), not on the next
 * cron run: claimed as the cron claims, so a failure waits for the cron's backoff and the two never
 * send one delivery twice; the node's answer never waits for the frontend.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IngestClient, sha256Of, type UploadFile } from '../../scripts/recordings/ingest-client';
import { deliverCallbacks } from '../../scheduled/callbacks';
import { invalidateServers } from '../../src/cluster/server-cache';
import { deliverDue } from '../../src/recordings/callbacks/delivery';
import { manifestLine } from '../../src/recordings/ingest/manifest';
import { services } from '../../src/services';
import { claimDueDeliveries, enqueueRecordingReady, listDeliveries, rememberMeetingCallbacks } from '../../src/store/callbacks';
import { insertServer } from '../../src/store/servers';
import { recordingFixture } from '../support/recordings-ingest-fixture';
import { received, receiver, resetCallbacks, script, verifiedClaims } from './callbacks-support';
import { v1 } from './admin-v1-support';
import { answer, BASE, counters, resetCounters, SECRET } from './support';

const svc = services(env);
const tenant = 'default';
const SERVER = 'callbacks-node';

let seq = 0;
const newId = () => `${'ef'.repeat(20)}-${Date.now()}${seq++}`;

/** The waitUntil work of the requests sent so far, left running until a test waits for it. */
let background: Promise<void>[] = [];
let lastAnswerMs = 0;
const settled = () => Promise.all(background);

const client = new IngestClient({
  baseUrl: BASE,
  serverId: SERVER,
  secret: `${SERVER}-secret`,
  send: async (req) => {
    const started = Date.now();
    const { res, after } = await answer(req);
    lastAnswerMs = Date.now() - started;
    background.push(after);
    return res;
  },
});

/** A meeting whose create asked for the recording-ready callback at `path`, and its recording's files. */
async function recording(path: string): Promise<{ meetingId: string; recordId: string; files: UploadFile[] }> {
  const recordId = newId();
  const meetingId = `meeting-${recordId}`;
  await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: meetingId, recordingReadyUrl: `${receiver}${path}` });
  const files = recordingFixture({ recordId, meetingId, videoBytes: 0 }).map((f) => ({ ...f, data: new Blob([f.data]) }));
  return { meetingId, recordId, files };
}

async function delivery(recordId: string) {
  return (await listDeliveries(svc.sql, { tenant })).find((d) => d.recordID === recordId)!;
}

/** The backoff has passed. */
async function timePasses(): Promise<void> {
  await svc.sql.query(`UPDATE callback_deliveries SET next_attempt_at = now() WHERE status = 'pending'`);
}

beforeAll(async () => {
  await insertServer(svc.sql, { id: SERVER, url: `https://${SERVER}.example.com/bigbluebutton/api`, secret: `${SERVER}-secret`, tag: null, loadMultiplier: 1 });
  invalidateServers();
});

beforeEach(async () => {
  await resetCallbacks(svc.sql);
  background = [];
});

describe('recording-ready callback right after complete', () => {
  it('reaches the frontend without any cron run, signed as BBB signs it; a repeated complete sends nothing more', async () => {
    const r = await recording('/ready');
    await client.uploadRecording(r.recordId, r.files);
    await settled();
    const hits = await received('/ready');
    expect(hits).toHaveLength(1);
    const token = new URLSearchParams(hits[0]!.body).get('signed_parameters')!;
    expect(await verifiedClaims(token, SECRET)).toEqual({ meeting_id: r.meetingId, record_id: r.recordId });
    expect(await delivery(r.recordId)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });

    await client.uploadRecording(r.recordId, r.files);
    await settled();
    expect(await received('/ready')).toHaveLength(1);
  });

  it('a failing frontend leaves it pending after one attempt; the cron retries once the backoff is over', async () => {
    await script('/down', [503, 200]);
    const r = await recording('/down');
    await client.uploadRecording(r.recordId, r.files);
    await settled();
    const first = await delivery(r.recordId);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
    expect(Date.parse(first.nextAttemptAt!) - Date.now()).toBeGreaterThan(50_000);

    await deliverCallbacks(svc);
    expect(await received('/down')).toHaveLength(1);
    await timePasses();
    await deliverCallbacks(svc);
    expect(await delivery(r.recordId)).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
    expect(await received('/down')).toHaveLength(2);
  });

  it('the node has its answer before a slow frontend answers; the attempt goes on after it', async () => {
    await script('/slow', [200], 3000);
    const r = await recording('/slow');
    await client.uploadRecording(r.recordId, r.files);
    expect(lastAnswerMs).toBeLessThan(2000);
    expect(await delivery(r.recordId)).toMatchObject({ status: 'pending' });
    await settled();
    expect(await delivery(r.recordId)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('a cron running all along sends it once, whoever claims it first', async () => {
    // The frontend is slow: the first claim is held while the other side keeps looking.
    await script('/race', [200], 500);
    const r = await recording('/race');
    let done = false;
    const cron = (async () => {
      while (!done) await deliverDue(svc);
    })();
    await client.uploadRecording(r.recordId, r.files);
    await settled();
    done = true;
    await cron;
    expect(await received('/race')).toHaveLength(1);
    expect(await delivery(r.recordId)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('immediate attempts and cron runs claiming at the same moment send each delivery once', async () => {
    const queued: { id: string; recordId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await recording('/same-moment');
      const s = enqueueRecordingReady(svc.cfg.callbacks, { tenant, meetingID: r.meetingId, recordID: r.recordId });
      queued.push({ id: ((await svc.sql.query(s.text, s.params))[0] as { delivery_id: string }).delivery_id, recordId: r.recordId });
    }
    const runs = await Promise.all([...queued.map((q) => deliverDue(svc, { only: [q.id] })), deliverDue(svc), deliverDue(svc), deliverDue(svc)]);
    expect(runs.reduce((sum, run) => sum + run.attempted, 0)).toBe(5);
    const hits = await received('/same-moment');
    const sent = await Promise.all(hits.map(async (h) => (await verifiedClaims(new URLSearchParams(h.body).get('signed_parameters')!, SECRET))!.record_id));
    expect(sent.sort()).toEqual(queued.map((q) => q.recordId).sort());
    for (const q of queued) expect(await delivery(q.recordId)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('costs the request no storage round trip more; the attempt after the answer costs 2 (claim, outcomes)', async () => {
    const r = await recording('/counted');
    for (const f of r.files) await client.uploadFile(r.recordId, { ...f, sha256: await sha256Of(f.data) });
    const lines = await Promise.all(r.files.map(async (f) => manifestLine({ ...f, size: f.data.size, sha256: await sha256Of(f.data) })));
    await settled();
    await resetCounters();
    await client.complete(r.recordId, lines.map((l) => `${l}\n`).join(''));
    await settled();
    // complete's own 2 (ownership claim, one transaction), as in recordings-ingest.test.ts, plus the attempt's 2.
    expect(await counters()).toEqual({ redis: 0, postgres: 4 });
    expect(await received('/counted')).toHaveLength(1);
  });
});

describe('retrying pending deliveries now (POST /admin/v1/callbacks/retry)', () => {
  it('attempts them at once instead of after their backoff; delivered ones and ones being attempted are left alone', async () => {
    await script('/back', [503, 200]);
    await script('/busy', [503]);
    const back = await recording('/back');
    const busy = await recording('/busy');
    for (const r of [back, busy]) await client.uploadRecording(r.recordId, r.files);
    await settled();
    expect(await delivery(back.recordId)).toMatchObject({ status: 'pending', attempts: 1 });
    // Another run is attempting this one right now: its lease must keep it from a second attempt.
    const busyId = (await delivery(busy.recordId)).id;
    await svc.sql.query(`UPDATE callback_deliveries SET next_attempt_at = now() WHERE id = $1`, [busyId]);
    expect((await claimDueDeliveries(svc.sql, { limit: 10, leaseSeconds: 600, only: [busyId] })).due).toHaveLength(1);

    const retried = await v1('POST', '/callbacks/retry');
    expect(retried).toMatchObject({ status: 200, json: { retrying: 1 } });
    expect(await delivery(back.recordId)).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
    expect(await received('/back')).toHaveLength(2);
    expect(await delivery(busy.recordId)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(await received('/busy')).toHaveLength(1);

    expect((await v1('POST', '/callbacks/retry')).json).toEqual({ retrying: 0 });
    expect(await v1('POST', '/callbacks/retry?tenant=no-such-tenant')).toMatchObject({ status: 404 });
    expect(await v1('POST', '/callbacks/retry', undefined, { token: null })).toMatchObject({ status: 401 });
  });
});
