/**
 * `scaleflare recordings reindex` as an operator runs it after restoring Postgres from an older
 * backup: a child process against the real Worker in workerd (R2 is its Miniflare bucket) with
 * the test stack's Postgres. A recording uploaded through the ingest protocol loses its index row;
 * the dry run only reports it, the run puts it back, a second run finds nothing to do.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IngestClient } from '../../../scripts/recordings/ingest-client';
import { recordingFixture } from '../../support/recordings-ingest-fixture';
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { adminApi, db, scaleflare } from './pool-setup';

const TOKEN = 'reindex-cli-admin-token-0123456789';
const NODE = { url: 'https://reindex-cli-node.example.com/bigbluebutton/api', secret: 'reindex-cli-node-secret' };

let worker: IngestWorker;
let serverId: string;
const api = adminApi(() => worker.base, TOKEN);

const cli = scaleflare(() => worker.base, TOKEN);

beforeAll(async () => {
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN });
  serverId = (await api('/servers', 'POST', { ...NODE, state: 'disabled' })).id;
}, 120_000);

afterAll(async () => {
  if (serverId) await api(`/servers/${serverId}`, 'DELETE');
  await worker?.stop();
}, 60_000);

describe('scaleflare recordings reindex', { timeout: 60_000 }, () => {
  it('dry run reports, the run restores a recording the index lost, a second run has nothing to do', async () => {
    const sql = db();
    const recordId = `${'ef'.repeat(20)}-${Date.now()}`;
    const node = new IngestClient({ baseUrl: worker.base, serverId, secret: NODE.secret });
    const files = recordingFixture({ recordId, videoBytes: 1024 }).map((f) => ({ ...f, data: new Blob([f.data.slice()]) }));
    await node.uploadRecording(recordId, files);
    // The backup was taken before the upload.
    await sql.query('DELETE FROM recordings WHERE record_id = $1', [recordId]);
    await sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [recordId]);
    try {
      const dry = await cli(['recordings', 'reindex', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/^Dry run, nothing written: \d+ recording\(s\) examined in \d+ call\(s\)\n/);
      expect(dry.stdout).toContain(`would restore  ${recordId}\n`);
      expect(await sql.query('SELECT 1 FROM recordings WHERE record_id = $1', [recordId])).toEqual([]);

      const run = await cli(['recordings', 'reindex', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary).toMatchObject({ dryRun: false, restored: [recordId], skipped: [] });
      expect(summary.missingObjects).not.toContain(recordId);
      expect(await sql.query('SELECT server_id, state FROM recordings WHERE record_id = $1', [recordId])).toEqual([{ server_id: serverId, state: 'published' }]);

      const again = await cli(['recordings', 'reindex', '--limit', '10']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/restored\s+0\n/);
    } finally {
      await sql.query('DELETE FROM recordings WHERE record_id = $1', [recordId]);
    }
  });

  it('bad usage and a refused limit are one clear line with the right exit code', async () => {
    expect(await cli(['recordings', 'reindex', '--limit', 'many'])).toMatchObject({ code: 2, stderr: 'scaleflare: --limit must be a positive number, got "many"\n' });
    const tooMany = await cli(['recordings', 'reindex', '--limit', '1000']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^scaleflare: Invalid request: body\.limit .*\(HTTP 400 validation_error\)\n  body\.limit: /);
    expect((await cli(['recordings', 'reindex', 'extra'])).code).toBe(2);
  });
});
