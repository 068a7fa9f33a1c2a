/**
 * `scaleflare` as an operator runs it: a child process (bin/scaleflare.mjs) against the real Worker
 * in workerd with the test stack's Postgres and Redis and simulated BBB nodes. The pool is shown,
 * servers and tenants are changed, a busy server is not removed by accident, sync plans before it
 * writes, and every failure is one clear line with the right exit code, never the token.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';

const BIN = path.resolve('bin/scaleflare.mjs');
const TOKEN = 'cli-test-admin-token-0123456789';
const { simulator } = inject('stack');
const [node1, node2] = simulator.nodes as [(typeof simulator.nodes)[number], (typeof simulator.nodes)[number]];

let worker: IngestWorker;
let dir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], o: { token?: string; url?: string; stdin?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const env = { ...process.env, SCALEFLARE_URL: o.url ?? worker.base, SCALEFLARE_TOKEN: o.token ?? TOKEN };
    const child = execFile(process.execPath, [BIN, ...args], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(o.stdin ?? '');
  });
}

/** Runs the command and expects success; answers its JSON. */
async function json(args: string[], o?: { stdin?: string }): Promise<any> {
  const r = await cli([...args, '--json'], o);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Checks go to the admin API directly: only the commands under test run as a process. */
async function api(p: string): Promise<any> {
  const res = await fetch(`${worker.base}/admin/v1${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.json();
}

const servers = async (): Promise<any[]> => (await api('/servers')).servers;
const byUrl = async (url: string) => (await servers()).find((s) => s.url === url);

async function sim(p: string, body: unknown): Promise<void> {
  const res = await fetch(simulator.controlUrl + p, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  expect(res.ok).toBe(true);
}

/** No server left over from this file or another one: sync's modes look at every server. */
async function removeAllServers(): Promise<void> {
  await sim('/reset', {});
  for (const s of await servers()) {
    await fetch(`${worker.base}/admin/v1/servers/${s.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
  }
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'scaleflare-cli-'));
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN });
  await removeAllServers();
}, 120_000);

afterAll(async () => {
  if (worker) await removeAllServers();
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('scaleflare CLI against the real Worker', { timeout: 60_000 }, () => {
  it('adds, enables, cordons and updates servers; status prints the pool as rake status does', async () => {
    // The secret from standard input stays out of argv.
    const add = await cli(['servers', 'add', node1.url, '--secret', '-', '--tag', 'blue'], { stdin: `${node1.secret}\n` });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^ID\s+URL\s+TAG\s+STATE/);
    expect(add.stdout).toContain('disabled');
    expect(add.stdout).not.toContain(node1.secret);

    const host = new URL(node1.url).host.split(':')[0]!;
    expect((await json(['servers', 'enable', node1.url])).state).toBe('enabled');
    expect((await json(['poll'])).servers).toBe(1);

    const status = await cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    const [header, row] = status.stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['HOSTNAME', 'STATE', 'STATUS', 'MEETINGS', 'USERS', 'LARGEST MEETING', 'VIDEOS', 'LOAD', 'VERSION', 'LAST POLL']);
    expect(row).toMatch(new RegExp(`^${host}\\s+enabled\\s+online\\s+0\\s+0\\s+0\\s+0\\s+\\S+\\s+\\S+\\s+\\d+s ago$`));

    const cordoned = await json(['servers', 'cordon', host]);
    expect(cordoned.state).toBe('cordoned');
    const updated = await json(['servers', 'update', cordoned.id, '--tag', '', '--load-multiplier', '2.5']);
    expect(updated).toMatchObject({ tag: null, loadMultiplier: 2.5, state: 'cordoned' });
    expect((await json(['servers', 'disable', cordoned.id])).state).toBe('disabled');
  });

  it('refuses to remove a server that still has meetings unless --force, which ends them', async () => {
    const s = await byUrl(node1.url);
    await json(['servers', 'enable', s.id]);
    await sim(`/nodes/${node1.id}/seed`, { meetings: 2 });
    await json(['poll']);

    const refused = await cli(['servers', 'remove', s.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`scaleflare: Server ${node1.url} still has 2 meeting(s) (last poll): cordon it and wait, or use --force to end them\n`);
    expect(await byUrl(node1.url)).toBeDefined();

    const forced = await cli(['servers', 'remove', s.id, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe(`Removed ${node1.url} (${s.id})\n`);
    expect(await byUrl(node1.url)).toBeUndefined();
    // Panic ended them on the node before the server was forgotten.
    const left = await (await fetch(`${simulator.controlUrl}/nodes/${node1.id}/meetings`)).json();
    expect(left.meetings).toEqual([]);
  });

  it('manages tenants and rotates a secret without leaving the tenant without one', async () => {
    const name = `cli-${Date.now().toString(36)}`;
    const t = await json(['tenants', 'add', name, '--secret', 'old-secret-1']);
    expect(t).toMatchObject({ name, enabled: true, secrets: [{ fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) }] });
    const old = t.secrets[0].fingerprint;

    const both = await json(['tenants', 'secrets', 'add', name, '-'], { stdin: 'new-secret-2' });
    expect(both.secrets).toHaveLength(2);
    const added = both.secrets.find((s: any) => s.fingerprint !== old).fingerprint;
    const listed = await cli(['tenants', 'secrets', 'list', t.id]);
    expect(listed.stdout).toBe(`FINGERPRINT\n${old}\n${added}\n`);
    expect((await json(['tenants', 'secrets', 'remove', name, old])).secrets).toEqual([{ fingerprint: added }]);

    const last = await cli(['tenants', 'secrets', 'remove', name, added]);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain("The tenant's last secret cannot be removed");

    const settings = file('settings.yaml', 'serverTag: blue\n');
    expect(await json(['tenants', 'update', name, '--disable', '--settings', settings])).toMatchObject({ enabled: false, settings: { serverTag: 'blue' } });
    const list = await cli(['tenants', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${t.id}\\s+${name}\\s+false\\s+${added}\\s+serverTag`));
    expect((await cli(['tenants', 'remove', name])).code).toBe(0);
    expect((await cli(['tenants', 'remove', name])).stderr).toBe(`scaleflare: No tenant "${name}"\n`);
  });

  it('sync --dry-run shows the plan and writes nothing; sync applies it with the chosen mode', async () => {
    await removeAllServers();
    await json(['servers', 'add', node1.url, '--secret', node1.secret, '--state', 'enabled']);
    const tenant = `cli-sync-${Date.now().toString(36)}`;
    // Scalelite's servers:sync format: node2 listed, node1 (enabled) is not.
    const pool = file(
      'pool.yaml',
      `servers:\n  node-2:\n    url: ${node2.url}\n    secret: ${node2.secret}\n    tag: green\ntenants:\n  - name: ${tenant}\n    secrets: [t-secret]\n`,
    );

    const dry = await cli(['sync', pool, '--mode', 'cordon', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['Dry run, nothing written (mode cordon):'],
      ['KIND', 'NAME', 'ACTION'],
      ['server', node2.url, 'create'],
      ['server', node1.url, 'cordon'],
      ['tenant', tenant, 'create'],
      [''],
    ]);
    expect((await servers()).map((s) => [s.url, s.state])).toEqual([[node1.url, 'enabled']]);
    expect((await api('/tenants')).tenants.map((t: any) => t.name)).not.toContain(tenant);

    const applied = await json(['sync', pool, '--mode', 'cordon']);
    expect(applied.steps.map((s: any) => s.action)).toEqual(['create', 'cordon', 'create']);
    expect(await byUrl(node2.url)).toMatchObject({ state: 'enabled', tag: 'green' });
    expect((await byUrl(node1.url)).state).toBe('cordoned');
    expect((await json(['sync', pool, '--dry-run'])).steps.map((s: any) => s.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    // force: node1 has meetings, so nothing is written without --force.
    await json(['servers', 'enable', node1.url]);
    await sim(`/nodes/${node1.id}/seed`, { meetings: 1 });
    await json(['poll']);
    const refused = await cli(['sync', pool, '--mode', 'force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Nothing was changed: Server');
    expect(await byUrl(node1.url)).toBeDefined();
    const forced = await json(['sync', pool, '--mode', 'force', '--force']);
    expect(forced.steps.filter((s: any) => s.action === 'remove').map((s: any) => s.name)).toEqual([node1.url]);
    expect((await servers()).map((s) => s.url)).toEqual([node2.url]);
    await json(['tenants', 'remove', tenant]);
  });

  it('fails clearly: bad token, bad file, bad usage, unreachable balancer; the token is never printed', async () => {
    const bad = await cli(['status'], { token: 'wrong-token-secret' });
    expect(bad).toEqual({ code: 1, stdout: '', stderr: `scaleflare: The admin token was refused by ${worker.base} (check --token or SCALEFLARE_TOKEN)\n` });

    const invalid = await cli(['servers', 'add', 'ftp://x', '--secret', 's']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('body.url: must be an http(s) URL');

    const broken = await cli(['sync', file('broken.yaml', 'servers:\n  bad id!:\n    secret: x\n')]);
    expect(broken).toMatchObject({ code: 1, stderr: 'scaleflare: servers.bad id!: a server id must match [a-zA-Z0-9_.-]+\n' });

    expect((await cli(['servers', 'frobnicate'])).code).toBe(2);
    expect((await cli(['sync', 'x.yaml', '--mode', 'wipe'])).stderr).toContain('--mode must be one of keep, cordon, force');
    expect((await cli(['servers', 'remove'])).code).toBe(2);
    const noToken = await cli(['status'], { token: '' });
    expect(noToken).toMatchObject({ code: 2, stderr: 'scaleflare: Missing the admin token: --token <token> or SCALEFLARE_TOKEN\n' });

    const closed = await closedPort();
    const down = await cli(['status'], { url: `http://127.0.0.1:${closed}` });
    expect(down).toMatchObject({ code: 1, stderr: `scaleflare: Cannot reach http://127.0.0.1:${closed}: ECONNREFUSED\n` });
    const notLb = await cli(['status'], { url: simulator.controlUrl });
    expect(notLb.code).toBe(1);
    expect(notLb.stderr).toContain("is --url the balancer's base URL?");
    for (const r of [bad, invalid, down]) expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });
});
