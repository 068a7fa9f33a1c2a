/**
 * Upgrading Scaleflare itself under live traffic (docs/recovery-drill.md): the next release's
 * migration is applied while the current version serves, the next version is rolled out to a share
 * of requests, then to all, then rolled back with the schema left migrated. Migrations only expand
 * (a contract comes a release later), so the previous version must keep working against the new
 * schema: not one call of the traffic may fail, and a recording uploaded during the rollout, with
 * its recording-ready callback, must be there after the rollback. The next version is the same
 * bundle as the current one: what the drill exercises is the rollout and the schema, not new code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { migrate } from '../stack/migrations.js';
import { waitFor } from '../stack/net.js';
import { DrillError } from './clients.js';
import type { Lab } from './lab.js';
import { viewCallbacks, viewRecordings } from './observe.js';
import { scriptReceiver, startMeeting, uploadRecording, type Ledger } from './populate.js';
import { section, type Steps } from './steps.js';
import { Traffic } from './traffic.js';

export interface ReleaseUpgradeResult {
  calls: number;
  failures: string[];
  ms: { migrate: number; share: number; all: number; rollback: number };
}

const SHARE = 0.1;
/** The next release's migration: expand only, as every migration must. */
const NEXT_MIGRATION = `ALTER TABLE recordings ADD COLUMN drill_next_note text;
CREATE TABLE drill_next_release (id bigserial PRIMARY KEY, note text NOT NULL);
`;
const CALLBACK_PATH = '/lms/recording-ready/upgrade';

export async function releaseUpgradeDrill(lab: Lab, steps: Steps, ledger: Ledger): Promise<ReleaseUpgradeResult> {
  section('Upgrade Scaleflare under live traffic, then roll back');
  const [acme] = ledger.tenants as [Ledger['tenants'][0]];
  const from = steps.done.length;
  const traffic = new Traffic(lab, ledger.meetings.filter((m) => m.tenant === acme), { tenant: () => acme.secret, balancer: () => lab.vars.LOADBALANCER_SECRET! });
  let recordID = '';
  try {
    await steps.run("the next release's migration (expand), the current version serving", async () => {
      const dir = path.join(lab.dir, 'migrations-next');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, '9000_drill_next_release.sql'), NEXT_MIGRATION);
      const applied = await migrate(lab.stack.endpoints.databaseUrl, dir);
      if (applied.length !== 1) throw new DrillError(`the migration was not applied (${applied.join(', ') || 'nothing'})`);
      await traffic.round();
    });
    await steps.run(
      `the next version takes ${SHARE * 100} % of requests; a recording arrives`,
      async () => {
        await lab.rollOut(SHARE);
        await scriptReceiver(lab, CALLBACK_PATH, 200);
        const meeting = await startMeeting(lab, ledger, acme, 'upgrade-room', { 'meta_bbb-recording-ready-url': `${lab.receiver.url}${CALLBACK_PATH}` });
        recordID = (await uploadRecording(lab, ledger, meeting, 90)).recordID;
        await traffic.round();
        await traffic.round();
        const { answered, of } = lab.canary!;
        if (answered === 0) throw new DrillError('the next version answered no request');
        return { answered, of };
      },
      (r) => `${r.answered} of ${r.of} requests to the next version`,
    );
    await steps.run('the next version takes every request', async () => {
      await lab.promote();
      await traffic.round();
    });
    await steps.run('rolled back (wrangler rollback), the schema left migrated', async () => {
      await lab.redeploy({});
      await traffic.round();
      const listed = (await viewRecordings(lab, ledger)).get(acme.name) ?? [];
      if (!listed.includes(recordID)) throw new DrillError(`getRecordings no longer lists ${recordID}`);
      await waitFor(
        'the recording-ready callback to be delivered',
        async () => ((await viewCallbacks(lab, acme)).some((d) => d.url.includes(CALLBACK_PATH) && d.status === 'delivered') || undefined),
        10_000,
      );
    });
  } finally {
    await traffic.stop();
  }
  traffic.check('the upgrade');
  const [migrateMs, share, all, rollback] = steps.done.slice(from).map((s) => s.ms) as [number, number, number, number];
  return { calls: traffic.calls, failures: traffic.failures, ms: { migrate: migrateMs, share, all, rollback } };
}
