import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run import:scalelite -- [options]

Imports an existing Scalelite's recordings into R2 and the Scaleflare index (docs/recordings-migration.md).

  --published DIR    Scalelite's published directory (RECORDING_PUBLISH_DIR): <format>/<recordID>/…
  --unpublished DIR  Scalelite's unpublished directory (RECORDING_UNPUBLISH_DIR)
  --db-export DIR    recordings.csv, metadata.csv, playback_formats.csv[, thumbnails.csv] from Scalelite's database;
                     its state wins, and recordings only in it must already have their files in the bucket
  --local            write into the local R2 of \`npm run dev\` (wrangler's .wrangler/state/v3) instead of R2's S3 API
  --local-state DIR  the same, with another wrangler state directory
  --tenant ID        tenant of the imported recordings (default: default)
  --only IDS         comma-separated record ids
  --protect          protect recordings the export does not say about (PROTECTED_RECORDINGS_ENABLED)
  --dry-run          report what would be done; write nothing

Environment: DATABASE_URL (NEON_HTTP_ENDPOINT for a local stack); for R2: R2_ACCOUNT_ID (or R2_S3_ENDPOINT),
R2_BUCKET_NAME (default scaleflare-recordings), R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY.`;

export interface ImportCliOptions {
  published?: string;
  unpublished?: string;
  dbExport?: string;
  /** Wrangler state directory of a local R2. */
  localState?: string;
  tenant: string;
  only?: Set<string>;
  protect: boolean;
  dryRun: boolean;
}

/** Throws an Error with the usage problem; `--help` is reported as null. */
export function parseOptions(argv: string[]): ImportCliOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      published: { type: 'string' },
      unpublished: { type: 'string' },
      'db-export': { type: 'string' },
      local: { type: 'boolean', default: false },
      'local-state': { type: 'string' },
      tenant: { type: 'string', default: 'default' },
      only: { type: 'string' },
      protect: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) return null;
  if (!values.published && !values.unpublished && !values['db-export']) {
    throw new Error('give at least one of --published, --unpublished, --db-export');
  }
  return {
    ...(values.published ? { published: values.published } : {}),
    ...(values.unpublished ? { unpublished: values.unpublished } : {}),
    ...(values['db-export'] ? { dbExport: values['db-export'] } : {}),
    ...(values['local-state'] || values.local ? { localState: values['local-state'] || '.wrangler/state/v3' } : {}),
    tenant: values.tenant,
    ...(values.only ? { only: new Set(values.only.split(',').map((s) => s.trim()).filter(Boolean)) } : {}),
    protect: values.protect,
    dryRun: values['dry-run'],
  };
}
