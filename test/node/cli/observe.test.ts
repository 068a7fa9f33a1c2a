/**
 * What the CLI says when something happened, as an operator at 3 a.m. runs it: a child process
 * against the real Worker in workerd with the test stack's Postgres and Redis and a simulated BBB
 * node that stops answering. status names the server suspect (found down by an API call before
 * any poll), offline (since when), auto-panicked and its last error; status --watch refreshes
 * until stopped; servers show lists the server's meetings;
 * recordings list, unpublish, publish and delete go through the JSON admin API.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IngestClient } from '../../../scripts/recordings/ingest-client';
import { checksumFor } from '../../support/bbb-sim/checksum';
import { recordingFixture } from '../../support/recordings-ingest-fixture';
import { LB_SECRET, startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { adminApi, removeAllServers, scaleflare, simPost } from './pool-setup';

const TOKEN = 'observe-cli-admin-token-0123456789';
const { simulator } = inject('stack');
const node = simulator.nodes[0]!;
const host = new URL(node.url).host;

let worker: IngestWorker;
const api = adminApi(() => worker.base, TOKEN);
const cli = scaleflare(() => worker.base, TOKEN, { hidden: [node.secret] });
const sim = (p: string, body?: unknown) => simPost(simulator.controlUrl, p, body);

beforeAll(async () => {
  // One failed poll takes a server offline, the second auto-panics it; a refused node fails fast.
  worker = await startIngestWorker(inject('stack').endpoints, {
    ADMIN_TOKEN: TOKEN,
    SERVER_UNHEALTHY_THRESHOLD: '1',
    SERVER_PANIC_THRESHOLD: '2',
    CONNECT_TIMEOUT: '0.5',
    RESPONSE_TIMEOUT: '1',
  });
  await removeAllServers(api, simulator.controlUrl);
}, 120_000);

afterAll(async () => {
  if (worker) await removeAllServers(api, simulator.controlUrl);
  await worker?.stop();
}, 60_000);

describe('scaleflare says what happened', { timeout: 60_000 }, () => {
  it('servers show lists its meetings; status names a server suspect, offline since when, auto-panicked, with its last error', async () => {
    const { id } = await api('/servers', 'POST', { url: node.url, secret: node.secret, state: 'enabled' });
    await sim(`/nodes/${node.id}/seed`, { meetings: 2 });
    await api('/poll', 'POST');

    const shown = await cli(['servers', 'show', host]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+URL\s+TAG\s+STATE/);
    expect(lines).toContain(`${host}: no trouble`);
    expect(lines).toContain('Recordings not fully uploaded: 0');
    expect(lines).toContain('Running meetings (2):');
    const table = lines.slice(lines.indexOf('Running meetings (2):') + 1).filter(Boolean);
    expect(table[0]!.split(/\s{2,}/)).toEqual(['TENANT', 'MEETING ID', 'NAME', 'SERVER', 'PARTICIPANTS', 'MODERATORS', 'VIDEOS', 'RUNNING', 'CREATED']);
    expect(table.slice(1).map((l) => l.split(/\s{2,}/)[3])).toEqual([host, host]);
    const info = await cli(['meetings', 'info', 'node-1-seed-1']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`^name: .+\ninternal id: \\S+\n(.*\n)*server: ${host}\n`));
    const json = JSON.parse((await cli(['servers', 'show', id, '--json'])).stdout);
    expect(json).toMatchObject({ server: { id }, pendingUploads: 0, meetings: [{ tenant: 'default', server: id }, { tenant: 'default', server: id }] });

    await sim(`/nodes/${node.id}/fault`, { type: 'refuse' });
    try {
      // An LMS asks about a meeting on the dead node before any poll: the refused call makes it
      // suspect. Not seed-1, whose answer `meetings info` left shared (MEETING_INFO_CACHE_SECONDS).
      const query = 'meetingID=node-1-seed-2';
      await fetch(`${worker.base}/bigbluebutton/api/getMeetingInfo?${query}&checksum=${checksumFor('getMeetingInfo', query, LB_SECRET)}`);
      const suspected = await cli(['status']);
      expect(suspected.code, suspected.stderr).toBe(0);
      const suspect = 'suspect since \\d{4}-\\d\\d-\\d\\dT\\S+Z \\(\\d+s ago\\): network; takes no new meeting until a poll clears it';
      expect(suspected.stdout).toMatch(new RegExp(`\\n${host}: online; ${suspect}\\n$`));

      // A failed poll confirms the suspicion: it stays until a poll hears the node.
      await api('/poll', 'POST');
      const offline = await cli(['status']);
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stdout).toMatch(new RegExp(`\\n${host}: offline since \\d{4}-\\d\\d-\\d\\dT\\S+Z \\(\\d+s ago\\); ${suspect}; 1 failed poll\\(s\\) in a row; last error: \\S.*\\n$`));

      await api('/poll', 'POST');
      const panicked = await cli(['status']);
      expect(panicked.stdout).toMatch(new RegExp(`\\n${host}: offline since .*; 2 failed poll\\(s\\) in a row; auto-panicked \\d+s ago \\(\\S+\\): its meetings were dropped; last error: \\S`));
      expect((await cli(['servers', 'show', host])).stdout).toContain('No running meetings');
    } finally {
      await sim(`/nodes/${node.id}/fault`, { type: 'none' });
    }
    await api('/poll', 'POST');
    const back = await cli(['status']);
    expect(back.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('status --watch refreshes every interval until stopped', async () => {
    const child = spawn(process.execPath, [path.resolve('bin/scaleflare.mjs'), 'status', '--watch', '--interval', '0.3'], {
      env: { ...process.env, SCALEFLARE_URL: worker.base, SCALEFLARE_TOKEN: TOKEN },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 2500));
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGINT');
    await exited;
    const frames = out.split(/^Every 0\.3s, /m).slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const f of frames.slice(0, -1)) expect(f).toMatch(/\(Ctrl-C to stop\)\n\nHOSTNAME\s+STATE/);
    expect(await cli(['status', '--interval', '2'])).toMatchObject({ code: 2, stderr: 'scaleflare: --interval goes with --watch\n' });
  });

  it('recordings list, unpublish, publish and delete', async () => {
    const { id } = (await api('/servers')).servers[0];
    const recordId = `${'cd'.repeat(20)}-${Date.now()}`;
    const files = recordingFixture({ recordId, meetingId: 'cli-room', name: 'CLI lesson' }).map((f) => ({ ...f, data: new Blob([f.data.slice()]) }));
    await new IngestClient({ baseUrl: worker.base, serverId: id, secret: node.secret }).uploadRecording(recordId, files);

    const list = await cli(['recordings', 'list', '--meeting', 'cli-room']);
    expect(list.code, list.stderr).toBe(0);
    const [header, row, footer] = list.stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['RECORD ID', 'MEETING ID', 'NAME', 'STATE', 'PROTECTED', 'FORMATS', 'STARTED', 'SIZE']);
    expect(row!.split(/\s{2,}/).slice(0, 5)).toEqual([recordId, 'cli-room', 'CLI lesson', 'published', 'false']);
    expect(footer).toBe('1-1 of 1');

    expect(await cli(['recordings', 'unpublish', recordId])).toEqual({ code: 0, stdout: `Unpublished ${recordId}\n`, stderr: '' });
    expect((await JSON.parse((await cli(['recordings', 'list', '--record', recordId, '--json'])).stdout)).recordings[0]).toMatchObject({ state: 'unpublished' });
    expect(await cli(['recordings', 'publish', recordId])).toMatchObject({ code: 0, stdout: `Published ${recordId}\n` });
    expect(await cli(['recordings', 'delete', recordId])).toMatchObject({ code: 0, stdout: `Deleted ${recordId}\n` });
    expect(JSON.parse((await cli(['recordings', 'list', '--record', recordId, '--json'])).stdout).recordings[0]).toMatchObject({ state: 'deleted' });

    expect((await cli(['recordings', 'publish', 'no such id'])).code).toBe(2);
    const unknown = await cli(['recordings', 'publish', 'abc-123']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^scaleflare: .*abc-123.*\(HTTP 404 not_found\)\n$/);
    const badState = await cli(['recordings', 'list', '--state', 'lost']);
    expect(badState).toMatchObject({ code: 1, stderr: expect.stringMatching(/^scaleflare: Invalid request: query\.state/) });
  });
});
