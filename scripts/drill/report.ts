/** The drill's summary: RTO and RPO per class of state, as measured in this run. */
import type { LiveClassResult } from './live-class.js';
import type { NodeUpgradeResult } from './node-upgrade.js';
import type { RecoveryResult } from './recovery.js';
import type { ReleaseUpgradeResult } from './release-upgrade.js';
import { RESTORE_STEPS } from './recovery.js';
import type { RotationResult } from './rotation.js';
import { seconds, type Steps } from './steps.js';

export function printReport(steps: Steps, recovery: RecoveryResult, rotation: RotationResult, liveClass: LiveClassResult,
  upgrades: { release: ReleaseUpgradeResult; node: NodeUpgradeResult },
): void {
  const s = RESTORE_STEPS;
  const configuration = steps.total(s.storage, s.restore, s.redeploy);
  const rows = [
    ['class of state', 'lives in', 'RTO (measured)', 'RPO (measured)'],
    ['live routing', 'Redis', seconds(configuration + steps.total(s.poll)), `0: all ${recovery.meetings} meetings rebuilt from the nodes`],
    [
      'configuration',
      'Postgres',
      seconds(configuration),
      `${seconds(recovery.backupAgeMs)}, the backup's age (lost: ${recovery.lostAfterBackup.join(', ') || 'nothing'})`,
    ],
    ['recording index', 'Postgres + R2', seconds(configuration + steps.total(s.reindex)), `0: ${recovery.restoredFromR2} newer recording(s) reindexed from R2`],
    ['recording files', 'R2', '0 (R2 untouched)', `0: ${recovery.recordings} recordings, ${recovery.files} files played byte for byte`],
    [
      'live class (its node lost)',
      'a BBB node',
      `${seconds(liveClass.refusedMs)} refused, ${seconds(liveClass.unansweredMs)} unanswered`,
      "create parameters 0 (kept with the route); the class's live state (chat, slides' annotations, users) is lost",
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log("\nRTO / RPO per class of state (this machine; RTO counts from an empty stack being started, or from the node's death)");
  for (const [i, r] of rows.entries()) {
    console.log(`  ${r.map((cell, j) => cell.padEnd(widths[j]!)).join('  ')}`.trimEnd());
    if (i === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
  console.log(`\nSecret rotation: ${rotation.calls} calls under rotation, ${rotation.failures.length} failed.`);
  const r = upgrades.release.ms;
  console.log(
    `Scaleflare upgrade: migration ${seconds(r.migrate)}, rollout to a share ${seconds(r.share)}, to all ${seconds(r.all)}, rollback ${seconds(r.rollback)}; ` +
      `${upgrades.release.calls} calls under it, ${upgrades.release.failures.length} failed.`,
  );
  const n = upgrades.node.ms;
  console.log(
    `Node upgrade: drain ${seconds(n.drain)}, upgrade ${seconds(n.upgrade)}, health check ${seconds(n.healthCheck)}, re-admit ${seconds(n.readmit)}; ` +
      `${upgrades.node.calls} calls under it, ${upgrades.node.failures.length} failed.`,
  );
  console.log(`DRILL PASSED in ${seconds(steps.elapsed())}`);
}
