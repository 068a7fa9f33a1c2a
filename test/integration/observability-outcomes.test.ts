// /metrics for outcomes (issue 12): latency, join failures, panics, offline time, imbalance,
// headroom from capacities, storage health, the recording pipeline, callbacks, build and config;
// and what a tenant sees of its own usage. Real Postgres, Redis, R2 (Miniflare) and simulator.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { IngestClient, type UploadFile } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { eventsExcerpt, recordingFixture } from '../support/recordings-ingest-fixture';
import { parseExposition, value, type Exposition } from './exposition';
import { admin, BASE, bbb, call, nodes, registerServers, resetAll, runPoll, send, sim } from './support';

beforeEach(resetAll);

const TOKEN = 'outcome-metrics-token-5d1e';
/** Metrics on, flushed only by scrapes; fast health thresholds so an outage takes three polls. */
const on = { METRICS_TOKEN: TOKEN, METRICS_FLUSH_SECONDS: '3600', SERVER_UNHEALTHY_THRESHOLD: '1', SERVER_PANIC_THRESHOLD: '2', CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.3' };

async function scrape(overrides: Record<string, string> = on): Promise<Exposition> {
  const res = await send(new Request(`${BASE}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } }), overrides);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

const fault = (i: number, type: string) => sim(`/nodes/${nodes[i]!.id}/fault`, { body: { type } });
const join = (meetingID: string) => bbb('join', { meetingID, fullName: 'Ann', role: 'VIEWER' }, { env: on });

describe('/metrics: outcomes', () => {
  it('request latency by call, join failures by reason, storage, build and configuration', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'o-1', name: 'Room' }, { env: on });
    expect((await join('o-1')).status).toBe(302);
    await call('join', { meetingID: 'missing', fullName: 'A', role: 'VIEWER' }, { env: on });
    await call('join', { meetingID: 'missing', fullName: 'A', role: 'VIEWER' }, { env: on });
    await admin('getServers', undefined, '', on);

    const m = await scrape();
    const h = m.get('scaleflare_http_request_duration_seconds')!;
    expect(h.type).toBe('histogram');
    const bucket = (call: string, le: string) => value(m, 'scaleflare_http_request_duration_seconds', { sample: 'scaleflare_http_request_duration_seconds_bucket', call, le });
    expect(bucket('join', '+Inf')).toBe(3);
    expect(bucket('join', '0.005')).toBeLessThanOrEqual(bucket('join', '30')!);
    expect(value(m, 'scaleflare_http_request_duration_seconds', { sample: 'scaleflare_http_request_duration_seconds_count', call: 'join' })).toBe(3);
    expect(value(m, 'scaleflare_http_request_duration_seconds', { sample: 'scaleflare_http_request_duration_seconds_sum', call: 'join' })).toBeGreaterThanOrEqual(0);
    expect(bucket('create', '+Inf')).toBe(1);
    expect(bucket('admin', '+Inf')).toBe(1);
    // Scrapes and probes are not requests anyone waits on.
    expect(h.samples.some((s) => s.labels.call === 'monitoring' || s.labels.call === undefined)).toBe(false);

    expect(value(m, 'scaleflare_join_failures_total', { reason: 'notFound' })).toBe(2);
    expect(m.get('scaleflare_join_failures_total')!.samples).toHaveLength(1);
    for (const store of ['postgres', 'redis', 'r2']) {
      expect(value(m, 'scaleflare_storage_up', { store }), store).toBe(1);
      expect(value(m, 'scaleflare_storage_latency_seconds', { store }), store).toBeGreaterThanOrEqual(0);
    }
    expect(m.get('scaleflare_build_info')!.samples).toEqual([{ labels: { version: expect.stringMatching(/^\d+\.\d+\.\d+/), commit: 'unknown' }, value: 1 }]);
    expect(value(m, 'scaleflare_config_valid')).toBe(1);
    expect(value(m, 'scaleflare_callbacks_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('an invalid configuration still answers the scraper: config_valid 0 and build info, behind the token', async () => {
    const broken = { METRICS_TOKEN: TOKEN, BUILD_NUMBER: 'abc1234', POLL_STALE_SECONDS: 'soon' };
    const m = await scrape(broken);
    expect(value(m, 'scaleflare_config_valid')).toBe(0);
    expect(value(m, 'scaleflare_build_info', { commit: 'abc1234' })).toBe(1);
    expect([...m.keys()]).toEqual(['scaleflare_build_info', 'scaleflare_config_valid']);
    const res = await send(new Request(`${BASE}/metrics`), broken);
    expect(res.status).toBe(401);
  });

  it('capacities give the headroom left if the largest server is lost; unknown while one is unset; imbalance of loads', async () => {
    const [a, b] = await registerServers(2);
    let m = await scrape();
    expect(value(m, 'scaleflare_pool_headroom_known', { resource: 'users' })).toBe(0);
    expect(m.get('scaleflare_pool_headroom')!.samples).toEqual([]);
    expect(value(m, 'scaleflare_placement_imbalance_ratio')).toBe(1);

    await admin('updateServer', { id: a, server: { capacity_users: 100, capacity_meetings: 10 } });
    await admin('updateServer', { id: b, server: { capacity_users: 300, capacity_meetings: 20 } });
    await call('create', { meetingID: 'h-1', name: 'Room' }, { env: on });
    await runPoll(on);
    m = await scrape();
    expect(value(m, 'scaleflare_server_capacity', { server: b!, resource: 'users' })).toBe(300);
    expect(value(m, 'scaleflare_pool_headroom_known', { resource: 'meetings' })).toBe(1);
    // Without the 20-meeting server, 10 remain for the one meeting running.
    expect(value(m, 'scaleflare_pool_headroom', { resource: 'meetings' })).toBe(10 - 1);
    expect(value(m, 'scaleflare_pool_headroom', { resource: 'users' })).toBeLessThanOrEqual(100);
    expect(value(m, 'scaleflare_placement_imbalance_ratio')).toBeGreaterThan(1);
  });

  it('an outage: offline time per server, then the auto-panic counted with its cause; an operator panic as admin', async () => {
    const [a, b] = await registerServers(2);
    await fault(0, 'http500');
    // The outage began a minute ago; later polls leave its start alone.
    await runPoll(on, Date.now() - 60_000);
    let m = await scrape();
    expect(value(m, 'scaleflare_server_offline_since_seconds', { server: b! })).toBe(0);
    expect(value(m, 'scaleflare_server_offline_since_seconds', { server: a! })).toBeGreaterThanOrEqual(60);
    await runPoll(on);
    m = await scrape();
    expect(value(m, 'scaleflare_server_offline_since_seconds', { server: a! })).toBeGreaterThanOrEqual(60);
    expect(value(m, 'scaleflare_server_panics_total', { server: a!, cause: 'auto' })).toBe(1);
    // Once per outage.
    await runPoll(on, Date.now() + 60_000);
    await admin('panicServer', { id: b, keep_state: true }, '', on);
    m = await scrape();
    expect(value(m, 'scaleflare_server_panics_total', { server: a!, cause: 'auto' })).toBe(1);
    expect(value(m, 'scaleflare_server_panics_total', { server: b!, cause: 'admin' })).toBe(1);
    await fault(0, 'none');
    await runPoll(on);
    expect(value(await scrape(), 'scaleflare_server_offline_since_seconds', { server: a! })).toBe(0);
  });
});

describe('/metrics: the recording pipeline', () => {
  const svc = services(env);
  const MiB = 1024 * 1024;

  it('an upload is started, completed, its import delay observed and its bytes counted for its tenant; a refused call counted by reason (its error code)', async () => {
    await svc.sql.query('DELETE FROM servers');
    await svc.sql.query(
      "INSERT INTO servers (id, url, secret, state) VALUES ('node-m', 'https://node-m.example.com/bigbluebutton/api', 'node-m-secret', 'enabled')",
    );
    invalidateServers();
    const before = value(await scrape(), 'scaleflare_recording_bytes', { tenant: 'default' }) ?? 0;
    const client = (secret: string) =>
      new IngestClient({ baseUrl: BASE, serverId: 'node-m', secret, send: (req) => send(req, on), partSize: 5 * MiB });
    const recordId = `${'cd'.repeat(20)}-${Date.now()}`;
    const files: UploadFile[] = recordingFixture({ recordId, videoBytes: MiB }).map((f) => ({ ...f, data: new Blob([f.data]) }));
    await client('node-m-secret').uploadRecording(recordId, files);
    await client('wrong-secret').uploadRecording(`${recordId}1`, files).catch(() => undefined);

    const m = await scrape();
    expect(value(m, 'scaleflare_recording_uploads_started_total')).toBe(1);
    expect(value(m, 'scaleflare_recording_uploads_completed_total')).toBe(1);
    expect(m.get('scaleflare_recording_uploads_failed_total')!.samples.map((s) => s.labels.reason)).toContain('bad_signature');
    const delay = (sample: string, labels: Record<string, string> = {}) =>
      value(m, 'scaleflare_recording_import_delay_seconds', { sample: `scaleflare_recording_import_delay_seconds_${sample}`, ...labels });
    expect(delay('count')).toBe(1);
    // The fixture's meeting ended years ago: far past the last bucket.
    expect(delay('bucket', { le: '86400' })).toBe(0);
    const stored = files.reduce((sum, f) => sum + f.data.size, 0);
    const bytes = value(m, 'scaleflare_recording_bytes', { tenant: 'default' })!;
    expect(bytes - before).toBeGreaterThan(MiB);
    expect(bytes - before).toBeLessThanOrEqual(stored);
    expect(m.get('scaleflare_recordings_pending_upload')!.samples.find((s) => s.labels.server === 'node-m')).toBeUndefined();
    // From the meeting's end: the fixture's ended years ago, past the last bucket too.
    expect(value(m, 'scaleflare_recording_publish_delay_seconds', { sample: 'scaleflare_recording_publish_delay_seconds_count' })).toBe(1);
  });

  it('recordings processing on a node, and how long since the oldest one\'s meeting ended, by server', async () => {
    await svc.sql.query('DELETE FROM servers');
    await svc.sql.query(
      "INSERT INTO servers (id, url, secret, state) VALUES ('node-p', 'https://node-p.example.com/bigbluebutton/api', 'node-p-secret', 'enabled')",
    );
    invalidateServers();
    const node = new IngestClient({ baseUrl: BASE, serverId: 'node-p', secret: 'node-p-secret', send: (req) => send(req, on) });
    const ended = Math.floor(Date.now() / 1000) - 7200;
    for (const [i, state] of (['processing', 'processed'] as const).entries()) {
      const recordId = `${'ef'.repeat(20)}-${Date.now()}${i}`;
      await node.reportProcessing(recordId, { state, formats: ['presentation'], ended: ended + i * 600, format: 'presentation', events: eventsExcerpt({ recordId }) });
    }
    const m = await scrape();
    expect(value(m, 'scaleflare_recordings_processing', { server: 'node-p' })).toBe(2);
    expect(value(m, 'scaleflare_recordings_processing_oldest_age_seconds', { server: 'node-p' })).toBeGreaterThanOrEqual(7200);
    expect(value(m, 'scaleflare_recordings_processing_oldest_age_seconds', { server: 'node-p' })).toBeLessThan(7300);
  });
});
