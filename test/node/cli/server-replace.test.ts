/**
 * `scaleflare servers replace`: rebuilding a node as a clean one with a new host name and secret,
 * against the real Worker in workerd with the test stack and two simulated nodes (the old one and
 * its replacement). The new one inherits the old one's settings and its recordings; the old one is
 * removed only once it holds nothing (or forced), and its secret no longer opens ingest.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimRecording } from '../../../src/store/recording-index';
import { reportProcessing } from '../../../src/store/recording-processing';
import { DEFAULT_TENANT } from '../../../src/tenancy/tenant';
import { IngestClient } from '../../../scripts/recordings/ingest-client';
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { adminApi, db, indexPublished, removeAllServers, scaleflare } from './pool-setup';

const TOKEN = 'replace-test-admin-token-0123456789';
const { simulator, endpoints } = inject('stack');
const [oldNode, newNode] = simulator.nodes;

let worker: IngestWorker;
const cli = scaleflare(() => worker.base, TOKEN, { hidden: [oldNode!.secret, newNode!.secret] });
const api = adminApi(() => worker.base, TOKEN);
const sql = db();

const stamp = Date.now();
const published = `replace-published-${stamp}`;
const pending = `replace-pending-${stamp}`;
const processing = `replace-processing-${stamp}`;
let old: any;

const ownerOf = async (table: 'recordings' | 'recording_uploads' | 'recording_processing', recordId: string) =>
  (await sql.query(`SELECT server_id FROM ${table} WHERE record_id = $1`, [recordId]))[0]?.server_id;

/** An ingest request signed as `serverId` with `secret`: its status says whether the Worker accepts the node. */
const ingestStatus = async (serverId: string, secret: string) =>
  (await new IngestClient({ baseUrl: worker.base, serverId, secret }).request('POST', `complete/${encodeURIComponent(pending)}`, '{}')).status;

beforeAll(async () => {
  worker = await startIngestWorker(endpoints, { ADMIN_TOKEN: TOKEN });
  await removeAllServers(api, simulator.controlUrl);
  old = await api('/servers', 'POST', { url: oldNode!.url, secret: oldNode!.secret, state: 'enabled', tag: 'rebuild', loadMultiplier: 2, capacityUsers: 120 });
  await api('/poll', 'POST');
  await indexPublished(sql, { recordId: published, meetingId: 'replace-room', serverId: old.id });
  // The old node's upload of another recording started and never finished.
  expect(await claimRecording(sql, { tenant: DEFAULT_TENANT, recordId: pending, serverId: old.id })).toMatchObject({ kind: 'owned' });
  // And a third is still being processed there (its post_archive hook reported it).
  const report = { recordId: processing, tenant: DEFAULT_TENANT, serverId: old.id, meetingId: 'replace-room', name: 'replace-room', state: 'processing' as const };
  expect(await reportProcessing(sql, { ...report, formats: ['presentation'], processedFormat: null, metadata: {}, startTime: null, meetingEndedAt: new Date() })).toBe('recorded');
}, 120_000);

afterAll(async () => {
  await sql.query('DELETE FROM recordings WHERE record_id = $1', [published]);
  await sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [pending]);
  await sql.query('DELETE FROM recording_processing WHERE record_id = $1', [processing]);
  if (worker) await removeAllServers(api, simulator.controlUrl);
  await worker?.stop();
}, 60_000);

describe('scaleflare servers replace', { timeout: 60_000 }, () => {
  it('adds the clean node with the old one\'s settings and enables it, cordons the old one, and stops while it holds recordings in flight', async () => {
    const r = await cli(['servers', 'replace', oldNode!.url, '--new-url', newNode!.url, '--secret', '-'], {}, newNode!.secret);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toBe(
      `scaleflare: ${newNode!.url} is enabled and ${oldNode!.url} cordoned, but ${oldNode!.url} still has 0 meeting(s), 1 recording(s) processing and 1 not fully uploaded: ` +
        `wait for them (scaleflare servers drain ${old.id} --wait), then run this command again; --force if the old node is gone for good\n`,
    );
    const servers = (await api('/servers')).servers;
    expect(servers.find((s: any) => s.id === old.id)).toMatchObject({ state: 'cordoned' });
    expect(servers.find((s: any) => s.url === newNode!.url)).toMatchObject({ state: 'enabled', tag: 'rebuild', loadMultiplier: 2, capacityUsers: 120, capacityMeetings: null });
    expect(await ingestStatus(old.id, oldNode!.secret)).not.toBe(401);
  });

  it('run again with --force: gives the recordings, the upload and the one processing to the new node and removes the old one, whose secret ingest then refuses', async () => {
    const fresh = (await api('/servers')).servers.find((s: any) => s.url === newNode!.url);
    const r = await cli(['servers', 'replace', old.id, '--new-url', newNode!.url, '--force']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Replaced ${oldNode!.url} by ${newNode!.url} (${fresh.id}): 1 recording(s), 1 upload(s) and 1 processing now belong to it; ${oldNode!.url} removed, its secret no longer accepted for uploads\n`,
    );
    expect((await api('/servers')).servers.map((s: any) => s.id)).toEqual([fresh.id]);
    expect(await ownerOf('recordings', published)).toBe(fresh.id);
    expect(await ownerOf('recording_uploads', pending)).toBe(fresh.id);
    expect(await ownerOf('recording_processing', processing)).toBe(fresh.id);
    expect(await api(`/servers/${fresh.id}/pending-uploads`)).toEqual({ count: 1, recordIds: [pending] });
    expect(await ingestStatus(old.id, oldNode!.secret)).toBe(401);
    expect(await ingestStatus(fresh.id, newNode!.secret)).not.toBe(401);
  });

  it('leaves a replacement that does not answer cordoned, and changes nothing else', async () => {
    const fresh = (await api('/servers')).servers[0];
    const r = await cli(['servers', 'replace', fresh.id, '--new-url', 'http://127.0.0.1:9/bigbluebutton/api', '--secret', 'unreachable-secret']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^scaleflare: http:\/\/127\.0\.0\.1:9\/bigbluebutton\/api is not online after a poll \(.+\): it stays cordoned\. Fix it, then run this command again\n$/);
    const servers = (await api('/servers')).servers;
    expect(servers.map((s: any) => [s.url, s.state])).toEqual([
      [newNode!.url, 'enabled'],
      ['http://127.0.0.1:9/bigbluebutton/api', 'cordoned'],
    ]);
    // Disabled meanwhile (by hand, or by a poll that found it empty), it is cordoned again so the poll looks at it.
    const unreachable = servers[1];
    await api(`/servers/${unreachable.id}`, 'PATCH', { state: 'disabled' });
    const again = await cli(['servers', 'replace', fresh.id, '--new-url', unreachable.url]);
    expect(again.stderr).toMatch(/is not online after a poll .*: it stays cordoned/);
    expect((await api(`/servers/${unreachable.id}`)).state).toBe('cordoned');
  });
});
