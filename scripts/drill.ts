/**
 * `npm run drill [-- --keep]`: the recovery drill of docs/recovery-drill.md on a private local
 * stack. Populates a pool, takes the documented backups, destroys Postgres and Redis, restores into
 * an empty stack and checks that everything is back; then rotates a tenant secret, the balancer
 * secret and a compromised node secret under live traffic. Between the two it kills the node of a
 * live class and times the LMS's rejoin elsewhere; last, under live traffic, it upgrades Scaleflare
 * (a migration, a gradual rollout, a rollback) and drains, upgrades and re-admits a node. Prints every step's time and the
 * RTO/RPO per class of state; exits 0 when every check passed, 1 when one failed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/bench/paths.js';
import { Shutdown } from '../test/bench/shutdown.js';
import { startLab } from './drill/lab.js';
import { liveClassDrill } from './drill/live-class.js';
import { nodeUpgradeDrill } from './drill/node-upgrade.js';
import { recoveryDrill } from './drill/recovery.js';
import { releaseUpgradeDrill } from './drill/release-upgrade.js';
import { printReport } from './drill/report.js';
import { rotationDrill } from './drill/rotation.js';
import { DrillFailed, section, Steps } from './drill/steps.js';

const keep = process.argv.includes('--keep');
const dir = path.join(ROOT, '.local', 'drill', `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
mkdirSync(dir, { recursive: true });
const shutdown = new Shutdown(600, 'drill', null);
// A failed drill keeps its state (the Worker's log, the dump) for a look.
let removeState = !keep;
shutdown.defer(async () => void (removeState && rmSync(dir, { recursive: true, force: true })));
const steps = new Steps();
let code = 0;
try {
  console.log(`Scaleflare recovery drill (state in ${path.relative(ROOT, dir)}${keep ? ', kept' : ', removed at the end'})`);
  section('Start');
  const lab = await steps.run('private Postgres, Redis, bridges, 3 BBB nodes, Worker', () => startLab(dir, shutdown));
  const recovery = await recoveryDrill(lab, steps);
  // Before the rotations, which leave the ledger's secrets behind.
  const liveClass = await liveClassDrill(lab, steps, recovery.ledger);
  const rotation = await rotationDrill(lab, steps, recovery.ledger);
  const releaseUpgrade = await releaseUpgradeDrill(lab, steps, recovery.ledger);
  // Last: it ends the classes of the node it drains.
  const nodeUpgrade = await nodeUpgradeDrill(lab, steps, recovery.ledger);
  printReport(steps, recovery, rotation, liveClass, { release: releaseUpgrade, node: nodeUpgrade });
} catch (e) {
  code = 1;
  if (!(e instanceof DrillFailed)) console.error(`drill: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  removeState = false;
  console.log(`\nDRILL FAILED${e instanceof DrillFailed ? ` at "${e.step}"` : ''}; state kept in ${path.relative(ROOT, dir)}`);
} finally {
  await shutdown.close();
}
process.exit(code);
