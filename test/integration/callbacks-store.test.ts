import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import {
  claimDueDeliveries,
  enqueueMeetingEnded,
  enqueueRecordingReady,
  listDeliveries,
  recordOutcomes,
  rememberMeetingCallbacks,
} from '../../src/store/callbacks';

const svc = services(env);
const cfg = svc.cfg.callbacks;
const tenant = 'default';

beforeEach(async () => {
  await svc.sql.query('DELETE FROM callback_deliveries');
  await svc.sql.query('DELETE FROM meeting_callbacks');
});

async function enqueueReady(meetingID: string, recordID: string): Promise<void> {
  const s = enqueueRecordingReady(cfg, { tenant, meetingID, recordID });
  await svc.sql.transaction([svc.sql.query(s.text, s.params)]);
}

describe('callback store', () => {
  it('enqueues recording-ready once per recording, only for meetings with a URL', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'm1', recordingReadyUrl: 'https://lms.example/ready?token=abc' });
    await enqueueReady('m1', 'r1');
    await enqueueReady('m1', 'r1');
    await enqueueReady('m-none', 'r2');
    const list = await listDeliveries(svc.sql, { tenant });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'recording_ready', status: 'pending', meetingID: 'm1', recordID: 'r1', url: 'https://lms.example/ready', attempts: 0 });
  });

  it('a later create without a URL keeps the captured one; a new URL replaces it', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'm1', recordingReadyUrl: 'https://a.example/1', endCallbackUrl: 'https://a.example/end' });
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'm1', endCallbackUrl: 'https://a.example/end2' });
    const [row] = await svc.sql.query('SELECT recording_ready_url, end_callback_url FROM meeting_callbacks WHERE meeting_id = $1', ['m1']);
    expect(row).toEqual({ recording_ready_url: 'https://a.example/1', end_callback_url: 'https://a.example/end2' });
  });

  it('appends the node parameters to the end callback URL, once per meeting instance', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'm1', endCallbackUrl: 'https://a.example/end?x=1' });
    const params = { meetingID: 'm1', recordingmarks: 'false' };
    const query = 'meetingID=m1&recordingmarks=false';
    const id = await enqueueMeetingEnded(svc.sql, cfg, { tenant, meetingID: 'm1', instance: '1', query, params });
    expect(id).not.toBeNull();
    expect(await enqueueMeetingEnded(svc.sql, cfg, { tenant, meetingID: 'm1', instance: '1', query, params })).toBeNull();
    expect(await enqueueMeetingEnded(svc.sql, cfg, { tenant, meetingID: 'unknown', instance: '1', query, params })).toBeNull();
    const [claimed] = (await claimDueDeliveries(svc.sql, { limit: 10, leaseSeconds: 60 })).due;
    expect(claimed).toMatchObject({ id, kind: 'meeting_ended', url: 'https://a.example/end?x=1&meetingID=m1&recordingmarks=false', attempts: 1 });
  });

  it('claims due rows once, records retries, stops and deliveries', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'm1', recordingReadyUrl: 'https://a.example/1' });
    for (const r of ['r1', 'r2', 'r3']) await enqueueReady('m1', r);
    const { due: claimed } = await claimDueDeliveries(svc.sql, { limit: 10, leaseSeconds: 60 });
    expect(claimed).toHaveLength(3);
    expect((await claimDueDeliveries(svc.sql, { limit: 10, leaseSeconds: 60 })).due).toHaveLength(0);
    const byRecord = Object.fromEntries(claimed.map((c) => [c.payload.record_id, c.id]));
    await recordOutcomes(svc.sql, [
      { id: byRecord.r1!, outcome: 'delivered', status: 200, error: null, retryInSeconds: 0 },
      { id: byRecord.r2!, outcome: 'stop', status: 410, error: 'HTTP 410', retryInSeconds: 0 },
      { id: byRecord.r3!, outcome: 'retry', status: 503, error: 'HTTP 503', retryInSeconds: 0 },
    ]);
    const list = await listDeliveries(svc.sql, { tenant });
    const status = Object.fromEntries(list.map((d) => [d.recordID, d.status]));
    expect(status).toEqual({ r1: 'delivered', r2: 'failed', r3: 'pending' });
    const { due: again } = await claimDueDeliveries(svc.sql, { limit: 10, leaseSeconds: 60 });
    expect(again.map((c) => c.payload.record_id)).toEqual(['r3']);
    expect(again[0]!.attempts).toBe(2);
  });

  it('gives up on expired deliveries', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'm1', recordingReadyUrl: 'https://a.example/1' });
    await enqueueReady('m1', 'r1');
    await enqueueReady('m1', 'r2');
    await svc.sql.query(`UPDATE callback_deliveries SET expires_at = now() - interval '1 second' WHERE record_id = 'r1'`);
    const { due: claimed, expired } = await claimDueDeliveries(svc.sql, { limit: 10, leaseSeconds: 60 });
    expect(claimed.map((c) => c.payload.record_id)).toEqual(['r2']);
    // Returned for its event.
    expect(expired.map((c) => c.payload.record_id)).toEqual(['r1']);
    // A retry that would land after expiry gives up at once.
    await recordOutcomes(svc.sql, [{ id: claimed[0]!.id, outcome: 'retry', status: null, error: 'timeout', retryInSeconds: 10 * 86400 }]);
    const failed = await listDeliveries(svc.sql, { tenant, status: 'failed' });
    expect(failed.map((d) => [d.recordID, d.lastError])).toEqual(
      expect.arrayContaining([['r1', 'expired'], ['r2', 'timeout; expired']]),
    );
  });
});
