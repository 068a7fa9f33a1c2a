/**
 * The three backups of docs/recovery-drill.md, taken and restored as an operator would: a Postgres
 * dump (on Neon: a branch or point-in-time restore does the same job), a listing of the R2 bucket,
 * and the configuration export of the admin API.
 */
import { statSync, writeFileSync } from 'node:fs';
import { postgresTool } from '../stack/postgres.js';
import { run } from '../stack/proc.js';
import type { ConfigDocument } from '../cli/api-types.js';
import { admin, DrillError } from './clients.js';
import type { Lab } from './lab.js';

/** The configuration document (/admin/v1/config/export) and the plan of its import, typed by the admin API's schemas. */
export type { ConfigDocument, ImportPlan } from '../cli/api-types.js';

export interface R2Entry {
  key: string;
  size: number;
  etag: string;
}

function tool(name: string): string {
  const found = postgresTool(name);
  if (!found) throw new DrillError(`${name} is not installed: install the PostgreSQL client tools (Debian: apt install postgresql-client)`);
  return found;
}

/** `pg_dump --format=custom`: the whole database, schema and data; returns its size in bytes. */
export async function dumpPostgres(databaseUrl: string, file: string): Promise<number> {
  await run(tool('pg_dump'), ['--format=custom', '--no-owner', '--file', file, '--dbname', databaseUrl]);
  return statSync(file).size;
}

/** Into a freshly migrated, empty database: --clean replaces its empty tables with the dump's. */
export async function restorePostgres(databaseUrl: string, file: string): Promise<void> {
  await run(tool('pg_restore'), ['--clean', '--if-exists', '--no-owner', '--exit-on-error', '--single-transaction', '--dbname', databaseUrl, file]);
}

export async function listR2(lab: Lab): Promise<R2Entry[]> {
  const bucket = await lab.worker.mf.getR2Bucket('RECORDINGS');
  const out: R2Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const o of page.objects) out.push({ key: o.key, size: o.size, etag: o.etag });
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

/** The configuration document WITH secrets: written owner-only, as the runbook says to keep it. */
export async function exportConfig(lab: Lab, file: string): Promise<ConfigDocument> {
  const doc = await admin<ConfigDocument>(lab, 'GET', '/config/export');
  writeFileSync(file, JSON.stringify(doc, null, 2), { mode: 0o600 });
  return doc;
}
