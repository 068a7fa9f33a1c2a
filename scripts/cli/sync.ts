import type { ImportPlan } from './api-types.js';
import { oneOf, type Command } from './command.js';
import { planRows } from './config.js';
import { readDocument } from './document.js';
import { CliError } from './errors.js';
import { print } from './output.js';
import { apiPath, listServers } from './resolve.js';
import { refuseBusy, refusePendingUploads, removeServer } from './server-removal.js';
import { syncDocument } from './sync-file.js';
import { importNeeded, SYNC_MODES, syncPlan, type SyncStep } from './sync-plan.js';

/** `scaleflare sync <file>`: make the pool match a file kept in git (docs/cli.md, "sync"). */

const describe = (s: SyncStep) => ({
  kind: s.kind,
  name: s.name,
  action: s.refused ? `${s.action} (refused: ${s.server!.health.meetings} meeting(s), needs --force)` : s.action,
});

const summary = (steps: SyncStep[]) => steps.map((s) => ({ kind: s.kind, name: s.name, action: s.action, ...(s.refused ? { refused: true } : {}) }));

export const syncCommand: Command = {
  words: ['sync'],
  usage: '<file.yaml|json|-> [--mode keep|cordon|force] [--force] [--dry-run]',
  summary: 'Make servers (and tenants) match the file; unlisted servers are kept, cordoned or removed by --mode',
  options: { mode: { type: 'string' }, force: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  args: [1, 1],
  run: async (inv) => {
    const file = inv.args[0]!;
    const mode = oneOf(inv.values, 'mode', SYNC_MODES) ?? 'keep';
    const force = inv.values.force === true;
    const dryRun = inv.values['dry-run'] === true;
    const doc = syncDocument(file, await readDocument(inv, file));
    // The import's dry run validates the whole file and plans the listed part; one read finds the rest.
    const [listed, current] = await Promise.all([inv.client.call<ImportPlan>('POST', '/config/import?dryRun=true', doc), listServers(inv.client)]);
    const steps = syncPlan(listed, current, mode, force);
    const answer = { dryRun, mode, steps: summary(steps) };
    if (dryRun) return print(inv.out, answer, () => `Dry run, nothing written (mode ${mode}):\n${planRows(steps.map(describe))}`);

    const refused = steps.find((s) => s.refused);
    if (refused) throw new CliError(`Nothing was changed: ${refuseBusy(refused.server!).message}`);
    try {
      for (const s of steps) if (s.action === 'remove') await refusePendingUploads(inv.client, s.server!);
    } catch (e) {
      throw new CliError(`Nothing was changed: ${(e as Error).message}`);
    }
    if (importNeeded(listed)) await inv.client.call('POST', '/config/import?dryRun=false', doc);
    for (const s of steps) {
      if (s.action === 'cordon') await inv.client.call('PATCH', apiPath('servers', s.server!.id), { state: 'cordoned' });
      if (s.action === 'remove') await removeServer(inv.client, s.server!, force);
    }
    print(inv.out, answer, () => `Synced (mode ${mode}):\n${planRows(steps.map(describe))}`);
  },
};
