/**
 * `scaleflare preflight` as an operator runs it before `wrangler deploy`: a child process reading
 * the checkout's wrangler.toml, with the test stack's Postgres (migrated by global setup) and
 * Upstash as the deployment's. A good deployment passes; each fault fails naming the setting,
 * binding or migration, one line each, and nothing printed carries a secret or a bad value.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { scaleflare } from './pool-setup';

const { endpoints } = inject('stack');
const SECRET = 'preflight-test-secret-4711';
const tmp = mkdtempSync(path.join(tmpdir(), 'preflight-'));

// Secrets from a file, as an operator keeps them beside `wrangler secret put`.
const envFile = path.join(tmp, 'secrets.env');
writeFileSync(
  envFile,
  [`DATABASE_URL=${endpoints.databaseUrl}`, `UPSTASH_REDIS_REST_TOKEN=${endpoints.upstashToken}`, `LOADBALANCER_SECRET=${SECRET}`, ''].join('\n'),
);

const cli = scaleflare(() => 'http://127.0.0.1:9', 'unused-token', { hidden: [SECRET, endpoints.upstashToken] });
const preflight = (args: string[] = [], env: Record<string, string> = {}) =>
  cli(['preflight', '--env-file', envFile, ...args], { UPSTASH_REDIS_REST_URL: endpoints.upstashUrl, NEON_HTTP_ENDPOINT: endpoints.neonHttpEndpoint, ...env });

const failures = (stdout: string) => stdout.trim().split('\n').filter((l) => l.startsWith('FAIL'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('scaleflare preflight', { timeout: 60_000 }, () => {
  it('passes a good deployment: settings, secrets, bindings, migration level, Upstash', async () => {
    const r = await preflight();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('PASS  settings and secrets, bindings, migrations applied, Upstash answers PING\n');
  });

  it('names a malformed setting and a missing secret, never their values', async () => {
    const r = await preflight([], { CONNECT_TIMEOUT: 'soon-ish', UPSTASH_REDIS_REST_TOKEN: '', LOADBALANCER_SECRET: '' });
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual([
      'FAIL  UPSTASH_REDIS_REST_TOKEN is missing',
      'FAIL  CONNECT_TIMEOUT must be a number >= 0.05',
      'FAIL  LOADBALANCER_SECRET is missing',
    ]);
    expect(r.stderr).toBe('scaleflare: preflight: 3 problem(s); fix them before wrangler deploy\n');
    expect(r.stdout + r.stderr).not.toContain('soon-ish');
  });

  it('names the migrations the database has not had', async () => {
    const dir = path.join(tmp, 'migrations');
    cpSync('migrations', dir, { recursive: true });
    writeFileSync(path.join(dir, '9999_next_release.sql'), 'SELECT 1;\n');
    const r = await preflight(['--migrations', dir]);
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual(['FAIL  migrations pending: 9999_next_release.sql: run npm run migrate first']);
  });

  it('names an unreachable Upstash and a refused token', async () => {
    const down = await preflight([], { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(failures(down.stdout)).toEqual([expect.stringMatching(/^FAIL {2}UPSTASH_REDIS_REST_URL unreachable \(\w+\)$/)]);
    const refused = await preflight([], { UPSTASH_REDIS_REST_TOKEN: 'not-the-token' });
    expect(failures(refused.stdout)).toEqual([expect.stringMatching(/^FAIL {2}UPSTASH_REDIS_REST_TOKEN refused by Upstash \(HTTP 40[13]\)$/)]);
    expect(refused.stdout).not.toContain('not-the-token');
  });

  it('names a missing binding and a secret put in [vars]', async () => {
    const toml = readFileSync('wrangler.toml', 'utf8')
      .replace(/\[\[r2_buckets\]\][^[]*/, '')
      .replace('[vars]\n', '[vars]\nADMIN_TOKEN = "in-the-repository"\n');
    const file = path.join(tmp, 'wrangler.toml');
    writeFileSync(file, toml);
    const r = await preflight(['--config', file]);
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual([
      'FAIL  ADMIN_TOKEN is a secret but set in [vars] of wrangler.toml: use wrangler secret put ADMIN_TOKEN',
      'FAIL  binding RECORDINGS (an [[r2_buckets]] with a bucket_name) is missing',
    ]);
    expect(r.stdout).not.toContain('in-the-repository');
  });
});
