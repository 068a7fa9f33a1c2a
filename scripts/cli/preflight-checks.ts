import { readdirSync } from 'node:fs';
import pg from 'pg';
import { ConfigError, parseConfig } from '../../src/config.js';

/**
 * What `scaleflare preflight` verifies of a deployment before `wrangler deploy`. Each check
 * answers its problems, one line each, naming settings, bindings or migrations, never a value.
 */

/** The parts of wrangler's resolved configuration the Worker depends on. */
export interface Deployment {
  name: string;
  vars: Record<string, unknown>;
  r2_buckets: { binding: string; bucket_name?: string }[];
  services: { binding: string; service: string; entrypoint?: string }[];
  triggers: { crons?: string[] };
}

/** Settings that are secrets (`wrangler secret put`): in [vars] they would be in the repository in the clear. */
const SECRETS = [
  'DATABASE_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'LOADBALANCER_SECRET',
  'LOADBALANCER_SECRETS',
  'METRICS_TOKEN',
  'ADMIN_TOKEN',
  'R2_ACCESS_KEY_ID',
  'R2_SECRET_ACCESS_KEY',
  'SECRET_KEY_BASE',
];

const TIMEOUT_MS = 10_000;

/** The Worker's own parse of its settings (src/settings.ts, src/config.ts) over the values the deployment will have. */
export function settingsProblems(deployment: Deployment, settings: Record<string, string | undefined>): string[] {
  const inVars = SECRETS.filter((name) => String(deployment.vars[name] ?? '').trim() !== '').map((name) => `${name} is a secret but set in [vars] of wrangler.toml: use wrangler secret put ${name}`);
  try {
    parseConfig(settings);
    return inVars;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...inVars, ...e.problems];
  }
}

/** The bindings src/ and scheduled/ use: recordings' R2 bucket, the poll's fan-out to itself, the cron. */
export function bindingProblems(d: Deployment): string[] {
  const problems: string[] = [];
  if (!d.r2_buckets.some((b) => b.binding === 'RECORDINGS' && b.bucket_name)) problems.push('binding RECORDINGS (an [[r2_buckets]] with a bucket_name) is missing');
  const shard = d.services.find((s) => s.binding === 'POLL_SHARD');
  if (!shard) problems.push('binding POLL_SHARD (a [[services]] to this Worker\'s PollShard entrypoint) is missing');
  else if (shard.service !== d.name || shard.entrypoint !== 'PollShard') problems.push(`binding POLL_SHARD must name service "${d.name}" (this Worker) and entrypoint "PollShard"`);
  if (!d.triggers.crons?.length) problems.push('[triggers] crons is empty: nothing would poll the servers');
  return problems;
}

/** Migrations of `dir` not yet recorded in the database's schema_migrations (as `npm run migrate` records them). */
export async function migrationProblems(databaseUrl: string, dir: string): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.name));
    const pending = files.filter((f) => !applied.has(f));
    return pending.length ? [`migrations pending: ${pending.join(', ')}: run npm run migrate first`] : [];
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return [`migrations pending: ${files.join(', ')}: the database has no schema_migrations; run npm run migrate first`];
    // The error's code only: a driver's message can quote the host or the user.
    return [`DATABASE_URL unreachable (${errorCode(e)})`];
  } finally {
    await client.end().catch(() => {});
  }
}

/** A PING through Upstash's REST API with the deployment's URL and token. */
export async function redisProblems(url: string, token: string): Promise<string[]> {
  let res: Response;
  try {
    // As @upstash/redis sends a command: its words as a JSON array, POSTed to the base URL.
    res = await fetch(url, { method: 'POST', body: '["PING"]', headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    return [`UPSTASH_REDIS_REST_URL unreachable (${errorCode(e)})`];
  }
  if (res.status === 401 || res.status === 403) return [`UPSTASH_REDIS_REST_TOKEN refused by Upstash (HTTP ${res.status})`];
  const body = (await res.json().catch(() => null)) as { result?: unknown } | null;
  return res.ok && body?.result === 'PONG' ? [] : [`UPSTASH_REDIS_REST_URL did not answer PING (HTTP ${res.status})`];
}

const errorCode = (e: unknown): string => {
  const err = e as { code?: string; cause?: { code?: string }; name?: string };
  return err.code ?? err.cause?.code ?? err.name ?? 'error';
};
