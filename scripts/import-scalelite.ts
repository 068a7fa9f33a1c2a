// `npm run import:scalelite`: an existing Scalelite's recordings into R2 and the index
// (docs/recordings-migration.md). One JSON line per recording, then a summary; exit 1 if any failed.
import { createSql } from '../src/store/postgres.js';
import { tenantExists } from '../src/store/scalelite-import.js';
import { readDbExport } from './import-scalelite/db-export.js';
import { parseOptions, USAGE, type ImportCliOptions } from './import-scalelite/options.js';
import { runImport } from './import-scalelite/run.js';
import { openTarget } from './import-scalelite/targets.js';
import { scanTrees } from './import-scalelite/tree.js';
import { maskUrl } from './stack/redact.js';

async function main(): Promise<number> {
  let opts: ImportCliOptions | null;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`import:scalelite: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('import:scalelite: DATABASE_URL is not set');
    return 2;
  }
  const sql = createSql({ databaseUrl, neonHttpEndpoint: process.env.NEON_HTTP_ENDPOINT ?? '', neonWsProxy: '' });
  if (!(await tenantExists(sql, opts.tenant))) throw new Error(`tenant ${opts.tenant} does not exist in ${maskUrl(databaseUrl)}`);
  const target = await openTarget(opts);
  try {
    const tree = await scanTrees([
      ...(opts.published ? [{ dir: opts.published, visibility: 'published' as const }] : []),
      ...(opts.unpublished ? [{ dir: opts.unpublished, visibility: 'unpublished' as const }] : []),
    ]);
    const exported = opts.dbExport ? readDbExport(opts.dbExport) : new Map();
    console.error(`import:scalelite: ${tree.size} recordings in the tree, ${exported.size} in the export → ${target.name}, ${maskUrl(databaseUrl)}${opts.dryRun ? ' (dry run)' : ''}`);
    const summary = await runImport(
      { sql, sink: target.sink, tenant: opts.tenant, dryRun: opts.dryRun, protectByDefault: opts.protect, ...(opts.only ? { only: opts.only } : {}) },
      tree,
      exported,
      (outcome) => console.log(JSON.stringify(outcome)),
    );
    console.log(JSON.stringify({ summary }));
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`import:scalelite: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
