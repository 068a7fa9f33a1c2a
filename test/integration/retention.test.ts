import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { IMPORT_SERVER_ID, type RecordingOutcome } from '../../scripts/import-scalelite/importer';
import { runImport } from '../../scripts/import-scalelite/run';
import { bindingSink } from '../../scripts/import-scalelite/sinks';
import { applyRetention } from '../../src/recordings/retention';
import { services } from '../../src/services';
import { retention } from '../../scheduled/retention';
import { bucket, keysUnder, putFiles, seed } from './recordings-api-support';
import { call, envWith, resetTenants } from './support';

const DAY = 86_400_000;
const sql = services(env).sql;
const policy = (days: string, batch = '20') => services(envWith({ RECORDING_RETENTION_DAYS: days, RECORDING_RETENTION_BATCH_SIZE: batch }));

beforeEach(async () => {
  await sql.query('DELETE FROM recordings');
  await resetTenants();
  const all = await keysUnder('');
  if (all.length) await bucket.delete(all);
});

/** A recording that started `ageDays` ago, with files in both visibilities and a text track. */
async function recording(recordID: string, ageDays: number, tenant = 'default'): Promise<void> {
  await seed({ recordID, tenant, startTime: Date.now() - ageDays * DAY });
  await putFiles('published', 'presentation', recordID, { 'metadata.xml': '<recording/>', 'slides/1.png': 'png' });
  await putFiles('unpublished', 'video', recordID, { 'video.mp4': 'mp4' });
  await bucket.put(`texttracks/${recordID}/en-US.vtt`, 'WEBVTT');
}

async function state(recordID: string): Promise<string> {
  const [row] = await sql.query('SELECT state FROM recordings WHERE record_id = $1', [recordID]);
  return row!.state as string;
}

describe('retention', () => {
  it('is off by default', async () => {
    await recording('old-1', 4000);
    expect(await applyRetention(services(env))).toEqual({ deleted: 0, failed: 0 });
    expect(await state('old-1')).toBe('published');
  });

  it('deletes the files and marks deleted what is older than RECORDING_RETENTION_DAYS, nothing newer', async () => {
    await recording('old-1', 31);
    await recording('new-1', 29);
    expect(await applyRetention(policy('30'))).toEqual({ deleted: 1, failed: 0 });
    expect(await state('old-1')).toBe('deleted');
    expect(await state('new-1')).toBe('published');
    expect((await keysUnder('')).filter((k) => k.includes('old-1'))).toEqual([]);
    expect((await keysUnder('')).filter((k) => k.includes('new-1'))).toHaveLength(4);
    const [formats] = await sql.query(`SELECT count(*)::int AS n FROM playback_formats f JOIN recordings r ON r.id = f.recording_id WHERE r.record_id = 'old-1'`);
    expect(formats!.n).toBe(0);
    // getRecordings no longer lists it.
    const r = await call('getRecordings', { recordID: 'old-1,new-1' });
    expect(JSON.stringify(r)).not.toContain('old-1');
    expect(JSON.stringify(r)).toContain('new-1');
  });

  it('falls back to the time of indexing when the start is unknown', async () => {
    await recording('no-start', 0);
    await sql.query(`UPDATE recordings SET start_time = NULL, created_at = now() - interval '40 days' WHERE record_id = 'no-start'`);
    expect((await applyRetention(policy('30'))).deleted).toBe(1);
    expect(await state('no-start')).toBe('deleted');
  });

  it('deletes at most RECORDING_RETENTION_BATCH_SIZE per run, oldest first, and finishes on later runs', async () => {
    for (const [id, age] of [['a', 50], ['b', 70], ['c', 60]] as const) await recording(id, age);
    const svc = policy('30', '2');
    expect((await applyRetention(svc)).deleted).toBe(2);
    expect([await state('a'), await state('b'), await state('c')]).toEqual(['published', 'deleted', 'deleted']);
    expect((await applyRetention(svc)).deleted).toBe(1);
    expect((await applyRetention(svc)).deleted).toBe(0);
  });

  it('a recording it deleted stays deleted in R2: a re-run of the Scalelite import writes none of its files back', async () => {
    await recording('imported-old', 400);
    await sql.query(`UPDATE recordings SET server_id = $1 WHERE record_id = 'imported-old'`, [IMPORT_SERVER_ID]);
    expect(await applyRetention(policy('30'))).toEqual({ deleted: 1, failed: 0 });
    const data = new TextEncoder().encode('<recording/>');
    const metadata = { path: 'metadata.xml', size: data.byteLength, bytes: async () => data, stream: () => new Blob([data]).stream(), sha256: async () => '0'.repeat(64) };
    const tree = new Map([['imported-old', { recordID: 'imported-old', formats: [{ format: 'presentation', visibility: 'published' as const, files: [metadata] }] }]]);
    const outcomes: RecordingOutcome[] = [];
    await runImport({ sql, sink: bindingSink(bucket), tenant: 'default', dryRun: false, protectByDefault: false }, tree, new Map(), (o) => outcomes.push(o));
    expect(outcomes).toMatchObject([{ outcome: 'skipped', reason: 'deleted since it was imported (deleteRecordings or retention)', uploaded: 0 }]);
    expect(await keysUnder('')).toEqual([]);
    expect(await state('imported-old')).toBe('deleted');
  });

  it("leaves other tenants' recordings to their own policy", async () => {
    await sql.query(`INSERT INTO tenants (id, name) VALUES ('other', 'other')`);
    await recording('theirs', 400, 'other');
    expect((await applyRetention(policy('30'))).deleted).toBe(0);
    expect(await state('theirs')).toBe('published');
  });

  it('runs from the cron entry and never throws', async () => {
    await recording('old-2', 100);
    await retention(policy('30'));
    expect(await state('old-2')).toBe('deleted');
    const broken = services(envWith({ RECORDING_RETENTION_DAYS: '30', DATABASE_URL: 'postgres://nobody:x@127.0.0.1:9/none' }));
    await expect(retention(broken)).resolves.toBeUndefined();
  });
});
