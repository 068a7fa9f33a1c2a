/**
 * Backup, disaster, restore, verify (docs/recovery-drill.md, part 1): Postgres and Redis are lost
 * together, R2 survives. Returns what the report needs: the step timings and the measured RPOs.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { waitFor } from '../stack/net.js';
import { type ConfigDocument, dumpPostgres, exportConfig, type ImportPlan, listR2, restorePostgres } from './backup.js';
import { reindexAll } from '../cli/recordings.js';
import { admin, adminApi, DrillError, lms } from './clients.js';
import type { Lab } from './lab.js';
import { expectSame, playRecording, viewCallbacks, viewMeetings, viewRecordings } from './observe.js';
import { addTenant, type Ledger, populate, scriptReceiver, startMeeting, uploadRecording } from './populate.js';
import { section, Steps } from './steps.js';

export interface RecoveryResult {
  ledger: Ledger;
  /** Seconds between the backup and the disaster: what the dump could not hold. */
  backupAgeMs: number;
  lostAfterBackup: string[];
  restoredFromR2: number;
  meetings: number;
  recordings: number;
  files: number;
}

export const RESTORE_STEPS = {
  storage: 'start an empty Postgres and Redis',
  restore: 'pg_restore the dump',
  redeploy: 'point the Worker at them (redeploy)',
  poll: 'first poll rebuilds the live routes',
  reindex: 'reindex recordings from R2',
} as const;

export async function recoveryDrill(lab: Lab, steps: Steps): Promise<RecoveryResult> {
  section('Populate');
  const ledger = await steps.run('servers, tenants, live meetings, recordings, callbacks', () => populate(lab), (l) =>
    `${l.servers.size} nodes, ${l.tenants.length} tenants, ${l.meetings.length} meetings, ${l.recordings.length} recordings`,
  );
  const [acme] = ledger.tenants as [Ledger['tenants'][0]];
  const callbacksAtBackup = await viewCallbacks(lab, acme);
  if (callbacksAtBackup.filter((d) => d.status === 'pending').length !== ledger.callbackPaths.length) throw new DrillError('the callbacks are not pending before the backup');

  section('Backup');
  const backupDir = path.join(lab.dir, 'backup');
  const dump = path.join(backupDir, 'scaleflare.dump');
  mkdirSync(backupDir, { recursive: true, mode: 0o700 });
  await steps.run('pg_dump (Neon: a branch or PITR point)', () => dumpPostgres(lab.stack.endpoints.databaseUrl, dump), (b) => `${(b / 1024).toFixed(0)} KiB`);
  const backupAt = performance.now();
  const r2AtBackup = await steps.run('R2 listing', () => listR2(lab), (l) => `${l.length} objects`);
  const exported = await steps.run('configuration export (admin API)', () => exportConfig(lab, path.join(backupDir, 'config.json')));

  section('Life goes on after the backup');
  await steps.run('a tenant, a meeting and a recording arrive', async () => {
    await addTenant(lab, 'initech', {});
    const late = await startMeeting(lab, ledger, acme, 'room-5');
    await uploadRecording(lab, ledger, late, 3);
  });
  const meetingsBefore = await viewMeetings(lab, ledger);
  const recordingsBefore = await viewRecordings(lab, ledger);
  const r2Before = await listR2(lab);

  section('Disaster: Postgres and Redis are lost');
  await steps.run('stop Postgres and Redis, delete their data', async () => {
    await lab.stack.stop();
    for (const d of ['pg', 'redis']) rmSync(path.join(lab.dir, 'stack-1', d), { recursive: true, force: true });
  });
  const backupAgeMs = performance.now() - backupAt;
  await steps.run('the BBB API answers a clean error meanwhile', async () => {
    const answer = await lms(lab, acme.name, acme.secret).call('getMeetingInfo', { meetingID: 'room-1' });
    if (answer.returncode !== 'FAILED') throw new DrillError(`expected a FAILED answer, got ${answer.returncode ?? `HTTP ${answer.status}`}`);
    return answer.messageKey;
  }, (key) => `FAILED ${key}`);

  section('Restore into an empty stack');
  await steps.run(RESTORE_STEPS.storage, () => lab.replaceStorage('stack-2'));
  await steps.run(RESTORE_STEPS.restore, () => restorePostgres(lab.stack.endpoints.databaseUrl, dump));
  await steps.run(RESTORE_STEPS.redeploy, async () => {
    await lab.redeploy({});
    await admin(lab, 'GET', '/servers');
  });
  await steps.run('callbacks are back, pending where they were', async () => {
    const now = await viewCallbacks(lab, acme);
    if (!isDeepStrictEqual(now, callbacksAtBackup)) throw new DrillError(`callbacks differ:\n before ${JSON.stringify(callbacksAtBackup)}\n after  ${JSON.stringify(now)}`);
  });
  await steps.run(RESTORE_STEPS.poll, () => lab.cron());
  const restored = await steps.run(RESTORE_STEPS.reindex, () => reindexAll(adminApi(lab), { dryRun: false }), (r) => `${r.restored.length} restored from R2, ${r.missingObjects.length} missing objects`);

  section('Verify');
  await steps.run('servers, tenants, secrets and settings are back', () => sameConfiguration(lab, exported), (n) => `${n} servers and tenants unchanged`);
  await steps.run('the live meetings answer and joins land on their nodes', async () => expectSame('meeting', meetingsBefore, await viewMeetings(lab, ledger)), () => `${meetingsBefore.size} meetings`);
  await steps.run('getRecordings lists every recording', async () => expectSame('getRecordings', recordingsBefore, await viewRecordings(lab, ledger)));
  await steps.run('every recording plays back, byte for byte', async () => {
    let bytes = 0;
    for (const r of ledger.recordings) bytes += await playRecording(lab, r);
    return bytes;
  }, (b) => `${ledger.recordings.length} recordings, ${(b / 1024).toFixed(0)} KiB`);
  await steps.run('R2 holds exactly what it held', async () => {
    const after = await listR2(lab);
    if (!isDeepStrictEqual(after, r2Before)) throw new DrillError(`R2 listing changed: ${r2Before.length} objects before, ${after.length} after`);
    if (!r2AtBackup.every((o) => after.some((a) => a.key === o.key && a.etag === o.etag))) throw new DrillError('an object of the backup listing is gone');
  });
  await steps.run('the frontend is back: pending callbacks retried now, delivered', async () => {
    for (const p of ledger.callbackPaths) await scriptReceiver(lab, p, 200);
    await admin(lab, 'POST', `/callbacks/retry?tenant=${acme.id}`);
    await waitFor('every pending callback to be delivered', async () => ((await viewCallbacks(lab, acme)).every((d) => d.status === 'delivered') || undefined), 10_000);
  });
  const lost = (await admin<{ tenants: { name: string }[] }>(lab, 'GET', '/tenants')).tenants.some((t) => t.name === 'initech') ? [] : ['tenant initech'];
  return {
    ledger,
    backupAgeMs,
    lostAfterBackup: lost,
    restoredFromR2: restored.restored.length,
    meetings: meetingsBefore.size,
    recordings: ledger.recordings.length,
    files: ledger.recordings.reduce((n, r) => n + r.files.length, 0),
  };
}

/** The import's dry run against the export taken with the backup: nothing to create or change, nothing extra. */
async function sameConfiguration(lab: Lab, exported: ConfigDocument): Promise<number> {
  const plan = await admin<ImportPlan>(lab, 'POST', '/config/import?dryRun=true', exported);
  const changed = [...plan.servers.map((s) => ({ item: s.url, action: s.action })), ...plan.tenants.map((t) => ({ item: t.name, action: t.action }))].filter(
    (p) => p.action !== 'unchanged',
  );
  if (changed.length > 0) throw new DrillError(`the import's dry run would ${changed.map((c) => `${c.action} ${c.item}`).join(', ')}`);
  const now = await admin<ConfigDocument>(lab, 'GET', '/config/export');
  if (now.servers.length !== exported.servers.length || now.tenants.length !== exported.tenants.length) {
    throw new DrillError(`${now.servers.length} servers and ${now.tenants.length} tenants now, ${exported.servers.length} and ${exported.tenants.length} in the backup`);
  }
  return plan.servers.length + plan.tenants.length;
}
