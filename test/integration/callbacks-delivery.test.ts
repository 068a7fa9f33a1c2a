import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deliverDue } from '../../src/recordings/callbacks/delivery';
import { services } from '../../src/services';
import { enqueueRecordingReady, listDeliveries, rememberMeetingCallbacks } from '../../src/store/callbacks';
import { deliverCallbacks } from '../../scheduled/callbacks';
import { clearReceiver, received, receiver, script, verifiedClaims } from './callbacks-support';
import { counters, envWith, resetCounters, SECRET } from './support';

const svc = services(env);
const tenant = 'default';

beforeEach(async () => {
  await svc.sql.query('DELETE FROM callback_deliveries');
  await svc.sql.query('DELETE FROM meeting_callbacks');
  await clearReceiver();
});
afterEach(() => vi.restoreAllMocks());

/** What ingest does on complete: the meeting's URL captured at create, then the import's statement. */
async function imported(meetingID: string, recordID: string, path = '/ready', query = ''): Promise<void> {
  await rememberMeetingCallbacks(svc.sql, { tenant, meetingID, recordingReadyUrl: `${receiver}${path}${query}` });
  const s = enqueueRecordingReady(svc.cfg.callbacks, { tenant, meetingID, recordID });
  await svc.sql.transaction([svc.sql.query(s.text, s.params)]);
}

/** The backoff has passed. */
async function timePasses(): Promise<void> {
  await svc.sql.query(`UPDATE callback_deliveries SET next_attempt_at = now() WHERE status = 'pending'`);
}

async function only() {
  const [d] = await listDeliveries(svc.sql, { tenant });
  return d!;
}

function tokenOf(body: string): string {
  return new URLSearchParams(body).get('signed_parameters')!;
}

describe('recording-ready delivery', () => {
  it('posts signed_parameters signed with the frontend secret, retried with backoff until a 2xx', async () => {
    await script('/ready', [503, 500, 200]);
    await imported('meeting-1', 'rec-1', '/ready', '?token=frontend-token');
    expect(await deliverDue(svc)).toEqual({ attempted: 1, delivered: 0, retrying: 1, stopped: 0 });
    const first = await only();
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
    // Backoff: not due again at once, one minute later.
    const wait = Date.parse(first.nextAttemptAt!) - Date.now();
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect((await deliverDue(svc)).attempted).toBe(0);

    await timePasses();
    await deliverDue(svc);
    const second = await only();
    expect(second).toMatchObject({ status: 'pending', attempts: 2, lastStatus: 500 });
    expect(Date.parse(second.nextAttemptAt!) - Date.now()).toBeGreaterThan(110_000);

    await timePasses();
    expect(await deliverDue(svc)).toMatchObject({ delivered: 1 });
    expect(await only()).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });

    const hits = await received('/ready');
    expect(hits).toHaveLength(3);
    for (const hit of hits) {
      expect(hit).toMatchObject({ method: 'POST', query: 'token=frontend-token', contentType: 'application/x-www-form-urlencoded' });
      expect(await verifiedClaims(tokenOf(hit.body), SECRET)).toEqual({ meeting_id: 'meeting-1', record_id: 'rec-1' });
    }
    // Delivered: never again.
    await timePasses();
    expect((await deliverDue(svc)).attempted).toBe(0);
  });

  it('tries each secret of the frontend in turn within one attempt', async () => {
    const multi = services(envWith({ LOADBALANCER_SECRETS: 'second-secret:third-secret' }));
    await script('/ready', [401, 200]);
    await imported('meeting-2', 'rec-2');
    expect(await deliverDue(multi)).toMatchObject({ attempted: 1, delivered: 1 });
    const hits = await received('/ready');
    expect(hits).toHaveLength(2);
    expect(await verifiedClaims(tokenOf(hits[0]!.body), SECRET)).not.toBeNull();
    expect(await verifiedClaims(tokenOf(hits[1]!.body), 'second-secret')).toEqual({ meeting_id: 'meeting-2', record_id: 'rec-2' });
    expect(await only()).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  for (const status of [404, 410]) {
    it(`stops for good on ${status}`, async () => {
      await script('/gone', [status]);
      await imported('meeting-3', 'rec-3', '/gone');
      expect(await deliverDue(svc)).toMatchObject({ stopped: 1 });
      expect(await only()).toMatchObject({ status: 'failed', attempts: 1, lastStatus: status, lastError: `HTTP ${status}` });
      await timePasses();
      expect((await deliverDue(svc)).attempted).toBe(0);
      expect(await received('/gone')).toHaveLength(1);
    });
  }

  it('gives up once expired, without another request', async () => {
    await script('/down', [503]);
    await imported('meeting-4', 'rec-4', '/down');
    await deliverDue(svc);
    await svc.sql.query(`UPDATE callback_deliveries SET expires_at = now(), next_attempt_at = now()`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect((await deliverDue(svc)).attempted).toBe(0);
    expect(await only()).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 503; expired' });
    expect(await received('/down')).toHaveLength(1);
    const events = warn.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(events).toEqual([expect.objectContaining({ msg: 'callback given up', meetingID: 'meeting-4', recordID: 'rec-4', error: 'expired' })]);
  });

  it('a retry that would land after expiry fails at once (CALLBACK_EXPIRY_HOURS)', async () => {
    const short = services(envWith({ CALLBACK_EXPIRY_HOURS: '0.01' }));
    await script('/down', [503]);
    await rememberMeetingCallbacks(short.sql, { tenant, meetingID: 'meeting-5', recordingReadyUrl: `${receiver}/down` });
    const s = enqueueRecordingReady(short.cfg.callbacks, { tenant, meetingID: 'meeting-5', recordID: 'rec-5' });
    await short.sql.query(s.text, s.params);
    await deliverDue(short);
    expect(await only()).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 503; expired' });
  });

  it('times out a slow frontend and retries later (CALLBACK_TIMEOUT)', async () => {
    const quick = services(envWith({ CALLBACK_TIMEOUT: '0.2' }));
    await script('/slow', [200], 2000);
    await imported('meeting-6', 'rec-6', '/slow');
    expect(await deliverDue(quick)).toMatchObject({ retrying: 1 });
    expect(await only()).toMatchObject({ status: 'pending', lastStatus: null, lastError: 'timeout' });
  });

  it('retries an unreachable frontend', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant, meetingID: 'meeting-7', recordingReadyUrl: 'http://127.0.0.1:9/ready' });
    const s = enqueueRecordingReady(svc.cfg.callbacks, { tenant, meetingID: 'meeting-7', recordID: 'rec-7' });
    await svc.sql.query(s.text, s.params);
    await deliverDue(svc);
    expect(await only()).toMatchObject({ status: 'pending', lastStatus: null, lastError: expect.stringMatching(/^network error/) });
  });

  it('attempts at most CALLBACK_BATCH_SIZE deliveries per run', async () => {
    const small = services(envWith({ CALLBACK_BATCH_SIZE: '2' }));
    for (const r of ['a', 'b', 'c']) await imported('meeting-8', `rec-${r}`);
    expect((await deliverDue(small)).attempted).toBe(2);
    expect((await deliverDue(small)).attempted).toBe(1);
    expect(await received('/ready')).toHaveLength(3);
  });

  it('logs each attempt as JSON without the URL query or the token', async () => {
    const lines: string[] = [];
    for (const level of ['log', 'warn'] as const) vi.spyOn(console, level).mockImplementation((line: unknown) => void lines.push(String(line)));
    await script('/ready', [503]);
    await imported('meeting-9', 'rec-9', '/ready', '?token=frontend-token');
    await deliverCallbacks(svc);
    const attempt = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'callback attempt failed, will retry');
    expect(attempt).toMatchObject({ level: 'warn', kind: 'recording_ready', target: `${receiver}/ready`, attempt: 1, status: 503, retryInSeconds: 60 });
    const token = tokenOf((await received('/ready'))[0]!.body);
    for (const line of lines) {
      expect(line).not.toContain('frontend-token');
      expect(line).not.toContain(token);
      expect(line).not.toContain(SECRET);
    }
  });

  it('logs a delivered callback as an event, and one given up as a warning, naming the meeting and recording', async () => {
    const lines: Record<string, unknown>[] = [];
    for (const level of ['log', 'warn'] as const) {
      vi.spyOn(console, level).mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line))));
    }
    await script('/ready', [200]);
    await script('/gone', [410]);
    await imported('meeting-12', 'rec-12a', '/ready');
    await imported('meeting-12', 'rec-12b', '/gone');
    await deliverDue(svc);
    const common = { kind: 'recording_ready', tenant, meetingID: 'meeting-12', attempt: 1 };
    expect(lines).toContainEqual(expect.objectContaining({ level: 'notice', msg: 'callback delivered', recordID: 'rec-12a', ...common }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'callback given up', recordID: 'rec-12b', status: 410, ...common }));
  });

  it('a cron run costs 2 Postgres round trips (claim, outcomes) whatever the number of deliveries', async () => {
    for (const r of ['a', 'b', 'c', 'd', 'e']) await imported('meeting-11', `rec-${r}`);
    await resetCounters();
    expect((await deliverDue(svc)).delivered).toBe(5);
    expect(await counters()).toEqual({ redis: 0, postgres: 2 });
  });

  it('lists deliveries for operators with redacted URLs', async () => {
    await imported('meeting-10', 'rec-10', '/ready', '?token=frontend-token');
    const [d] = await listDeliveries(svc.sql, { tenant, status: 'pending' });
    expect(d).toMatchObject({ kind: 'recording_ready', url: `${receiver}/ready`, meetingID: 'meeting-10', recordID: 'rec-10' });
    expect(JSON.stringify(d)).not.toContain('frontend-token');
    expect(await listDeliveries(svc.sql, { tenant, status: 'delivered' })).toEqual([]);
    expect(await listDeliveries(svc.sql, { tenant: 'another-tenant' })).toEqual([]);
  });
});
