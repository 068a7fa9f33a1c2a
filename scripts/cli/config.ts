import { writeFileSync } from 'node:fs';
import type { ImportPlan, PollReport } from './api-types.js';
import type { Command } from './command.js';
import { readDocument } from './document.js';
import { print, table } from './output.js';

/** `scaleflare poll`, `export` and `import`: the admin API's poll-now and configuration transfer. */

export const planRows = (rows: { kind: string; name: string; action: string }[]) =>
  rows.length === 0 ? 'Nothing to do\n' : table(['KIND', 'NAME', 'ACTION'], rows.map((r) => [r.kind, r.name, r.action]));

const importRows = (plan: ImportPlan) => [
  ...plan.servers.map((s) => ({ kind: 'server', name: s.url, action: s.action })),
  ...plan.tenants.map((t) => ({ kind: 'tenant', name: t.name, action: t.action })),
];

export const configCommands: Command[] = [
  {
    words: ['poll'],
    usage: '',
    summary: 'Run one poll cycle now instead of waiting for the cron',
    args: [0, 0],
    run: async (inv) => {
      const r = await inv.client.call<PollReport>('POST', '/poll');
      print(inv.out, r, () => `Polled ${r.servers} server(s) in ${r.ms} ms: ${r.online} online, ${r.meetings} meeting(s)\n`);
    },
  },
  {
    words: ['export'],
    usage: '[<file>]',
    summary: 'Write every server and tenant WITH their secrets as JSON (to the file, mode 0600, or standard output)',
    args: [0, 1],
    run: async (inv) => {
      const doc = await inv.client.call('GET', '/config/export');
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      const file = inv.args[0];
      if (!file || file === '-') inv.out.write(text);
      else writeFileSync(file, text, { mode: 0o600 });
    },
  },
  {
    words: ['import'],
    usage: '<file.json|yaml|-> [--dry-run]',
    summary: 'Create or update the servers (by URL) and tenants (by name) of an exported document; nothing is deleted',
    options: { 'dry-run': { type: 'boolean' } },
    args: [1, 1],
    run: async (inv) => {
      const doc = await readDocument(inv, inv.args[0]!);
      const plan = await inv.client.call<ImportPlan>('POST', `/config/import?dryRun=${inv.values['dry-run'] === true}`, doc);
      print(inv.out, plan, () => `${plan.dryRun ? 'Dry run, nothing written:\n' : ''}${planRows(importRows(plan))}`);
    },
  },
];
