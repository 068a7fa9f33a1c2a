/**
 * `scaleflare check` as an operator runs it after an install: a child process against the real
 * Worker in workerd with the test stack's Postgres and Redis and simulated BBB nodes. A healthy
 * pool passes (read-only and with test meetings, which are all ended); a stopped node and a wrong
 * secret fail with the step that says why; nothing printed carries the secret or the token.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimRecording, indexRecording } from '../../../src/store/recording-index';
import { DEFAULT_TENANT } from '../../../src/tenancy/tenant';
import { LB_SECRET, startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { adminApi, db, removeAllServers, scaleflare, simPost } from './pool-setup';

const TOKEN = 'check-test-admin-token-0123456789';
const { simulator } = inject('stack');
const nodes = simulator.nodes.slice(0, 2);

let worker: IngestWorker;

const cli = scaleflare(() => worker.base, TOKEN, { env: { SCALEFLARE_SECRET: LB_SECRET }, hidden: [LB_SECRET] });

const check = (args: string[], env?: Record<string, string>) => cli(['check', ...args], env);

const api = adminApi(() => worker.base, TOKEN);
const sim = (p: string, body?: unknown) => simPost(simulator.controlUrl, p, body);
const simMeetings = async (id: string): Promise<any[]> => (await (await fetch(`${simulator.controlUrl}/nodes/${id}/meetings`)).json()).meetings;

/** The stack's Postgres through the Neon driver, as the Worker reaches it. */
beforeAll(async () => {
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN });
  await removeAllServers(api, simulator.controlUrl);
  for (const n of nodes) await api('/servers', 'POST', { url: n.url, secret: n.secret, state: 'enabled' });
  await api('/poll', 'POST');
}, 120_000);

afterAll(async () => {
  if (worker) await removeAllServers(api, simulator.controlUrl);
  await worker?.stop();
}, 60_000);

describe('scaleflare check against the real Worker', { timeout: 90_000 }, () => {
  it('passes read-only against a healthy pool, showing each step', async () => {
    const r = await check([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.slice(0, 4))).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
    expect(lines[3]).toMatch(/^PASS {2}every enabled server online with a fresh poll: 127\.0\.0\.1:\d+ 3\.0/);
    expect(lines[4]).toBe('PASSED: 4 passed, 0 failed, 0 skipped');
  });

  it('with --create-meetings spreads pinned test meetings, keeps a cordoned server free and ends them all', async () => {
    const r = await check(['--create-meetings', '--allow-cordon']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}test meetings spread over the enabled servers, each pinned to its node: 4 meetings: 127\.0\.0\.1:\d+ 2, 127\.0\.0\.1:\d+ 2/);
    expect(r.stdout).toMatch(/PASS {2}a cordoned server gets no new meeting: cordoned 127\.0\.0\.1:\d+ for the test: 127\.0\.0\.1:\d+ 1/);
    expect(r.stdout).toContain('PASS  every test meeting ended: 5 ended');
    for (const n of nodes) expect((await simMeetings(n.id)).filter((m) => m.running !== false && !m.ended)).toEqual([]);
    expect((await api('/servers')).servers.map((s: any) => s.state)).toEqual(['enabled', 'enabled']);
  });

  it('fails on a stopped node with the step that says so', async () => {
    await sim(`/nodes/${nodes[1]!.id}/fault`, { type: 'refuse' });
    try {
      // SERVER_UNHEALTHY_THRESHOLD (2) failed polls take a node offline.
      await api('/poll', 'POST');
      await api('/poll', 'POST');
      const r = await check(['--create-meetings']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`FAIL {2}every enabled server online with a fresh poll: 127\\.0\\.0\\.1:${nodes[1]!.port} offline`));
      expect(r.stdout).toContain('SKIP  test meetings spread over the enabled servers, each pinned to its node: an earlier step failed');
      expect(r.stdout).toContain('PASS  every test meeting ended: 0 ended');
      expect(r.stdout).toContain('FAILED: 4 passed, 1 failed, 2 skipped');
      expect(r.stderr).toBe('scaleflare: check failed: 1 step(s)\n');
    } finally {
      await sim(`/nodes/${nodes[1]!.id}/fault`, { type: 'none' });
      await api('/poll', 'POST');
    }
  });

  it('fails on a wrong secret; usage errors exit 2', async () => {
    const r = await check([], { SCALEFLARE_SECRET: 'not-the-secret' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  a signed getMeetings answers SUCCESS: answered FAILED (checksumError): is --secret the balancer's LOADBALANCER_SECRET?");

    expect(await check([], { SCALEFLARE_SECRET: '' })).toMatchObject({ code: 2, stderr: "scaleflare: Missing the balancer's BBB secret: --secret <secret|-> or SCALEFLARE_SECRET\n" });
    expect(await check(['--create-meetings'], { SCALEFLARE_TOKEN: '' })).toMatchObject({ code: 2 });
    const readOnly = await check([], { SCALEFLARE_TOKEN: '' });
    expect(readOnly.code, readOnly.stdout).toBe(0);
    expect(readOnly.stdout).toContain('PASSED: 3 passed, 0 failed, 0 skipped');
  });

  it('--recording: listed by getRecordings and its playback answers through the balancer; an unknown one fails', async () => {
    const sql = db();
    const recordId = `check-rec-${Date.now()}`;
    const meta = {
      recordId, meetingId: 'check-room', internalMeetingId: recordId, name: 'Check room', state: 'published', published: true,
      participants: 2, startTime: new Date(), endTime: new Date(), rawSize: null, isBreakout: false, parentMeetingId: null,
      breakoutSequence: null, metadata: {},
    };
    const playback = { format: 'presentation', url: `/playback/presentation/2.3/${recordId}`, length: 1, processingTime: null, size: 10, preview: [] };
    const serverId = (await api('/servers')).servers[0].id;
    await indexRecording(sql, { tenant: DEFAULT_TENANT, serverId, meta: { ...meta, playback }, published: true, protectByDefault: false, formats: [playback] }, []);
    try {
      // Without the player installed in R2 the playback page is a 404: the check says which URL.
      const broken = await check(['--recording', recordId]);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(`FAIL  recording ${recordId} listed and its playback answers: ${worker.base}/playback/presentation/2.3/${recordId} answered HTTP 404`);
      // The player's page in R2, where the install puts it (src/recordings/playback/routes.ts, a Worker module).
      await (await worker.bucket()).put('playback/presentation/2.3/index.html', '<html>player</html>');
      const r = await check(['--recording', recordId]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`PASS  recording ${recordId} listed and its playback answers: 1 playback URL(s) answer`);
      const unknown = await check(['--recording', 'no-such-recording']);
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toContain('FAIL  recording no-such-recording listed and its playback answers: getRecordings does not list it');
    } finally {
      await sql.query('DELETE FROM recordings WHERE record_id = $1', [recordId]);
    }
  });

  it('servers remove is refused, even with --force, while the node has recordings not fully uploaded', async () => {
    const sql = db();
    const s = (await api('/servers')).servers[0];
    const recordId = `check-pending-${Date.now()}`;
    // The node's first ingest request claims the recording; it is pending until indexed.
    expect(await claimRecording(sql, { tenant: DEFAULT_TENANT, recordId, serverId: s.id })).toMatchObject({ kind: 'owned' });
    try {
      expect(await api(`/servers/${s.id}/pending-uploads`)).toEqual({ count: 1, recordIds: [recordId] });
      const refused = await cli(['servers', 'remove', s.id, '--force']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`scaleflare: Server ${s.url} has 1 recording(s) not fully uploaded (${recordId}): let the uploads finish before removing it (docs/node-lifecycle.md)\n`);
      // sync refuses before it changes anything, as for a busy server.
      const other = nodes.find((n) => n.url !== s.url)!;
      const sync = await cli(['sync', '-', '--mode', 'force', '--force'], {}, JSON.stringify({ servers: [{ url: other.url, secret: other.secret, state: 'cordoned' }] }));
      expect(sync.code).toBe(1);
      expect(sync.stderr).toContain(`scaleflare: Nothing was changed: Server ${s.url} has 1 recording(s) not fully uploaded`);
      expect((await api('/servers')).servers.map((x: any) => x.state)).toEqual(['enabled', 'enabled']);
    } finally {
      await sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [recordId]);
    }
    expect(await api(`/servers/${s.id}/pending-uploads`)).toEqual({ count: 0, recordIds: [] });
    expect(await cli(['servers', 'remove', s.id])).toMatchObject({ code: 0, stdout: `Removed ${s.url} (${s.id})\n` });
    const missing = await fetch(`${worker.base}/admin/v1/servers/nope/pending-uploads`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(missing.status).toBe(404);
  });
});

describe('tenants while multitenancy is off', () => {
  it('tenants add is refused with the setting to change, and nothing is created', async () => {
    const r = await cli(['tenants', 'add', 'acme-off', '--secret', 'acme-off-secret']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('scaleflare: Multitenancy is disabled: set MULTITENANCY_ENABLED=true on the balancer to manage tenants (HTTP 412 multitenancy_disabled)\n');
    expect((await api('/tenants')).tenants.map((t: { name: string }) => t.name)).not.toContain('acme-off');
  });
});
