/**
 * `scaleflare` as an operator runs it: a child process (bin/scaleflare.mjs) against the real Worker
 * in workerd with the test stack's Postgres and Redis and simulated BBB nodes. The pool is shown,
 * servers and tenants are changed, a busy server is not removed by accident, sync plans before it
 * writes, and every failure is one clear line with the right exit code, never the token.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { adminApi, removeAllServers as removeAll, simPost } from './pool-setup';

const BIN = path.resolve('bin/scaleflare.mjs');
const TOKEN = 'cli-test-admin-token-0123456789';
const { simulator } = inject('stack');
const [node1, node2] = simulator.nodes as [(typeof simulator.nodes)[number], (typeof simulator.nodes)[number]];

let worker: IngestWorker;
let proxy: Server;
let base: string;
let dir: string;
/** The admin API requests of the last `cli` run (`POST /poll`), as the counting proxy saw them. */
let seen: string[] = [];
/** Every request of the whole file, to check against the OpenAPI document. */
const everySeen = new Set<string>();

/** Sits between the CLI and the Worker to count its round trips (budgets are asserted by counting). */
async function startProxy(): Promise<void> {
  proxy = createHttpServer(async (req, res) => {
    seen.push(`${req.method} ${req.url!.replace('/admin/v1', '')}`);
    everySeen.add(`${req.method} ${req.url!.split('?')[0]}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(['authorization', 'content-type'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])]));
    const answer = await fetch(worker.base + req.url, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'text/plain' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], o: { token?: string; url?: string; stdin?: string } = {}): Promise<Result> {
  seen = [];
  return new Promise((resolve) => {
    const env = { ...process.env, SCALEFLARE_URL: o.url ?? base, SCALEFLARE_TOKEN: o.token ?? TOKEN };
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
const api = adminApi(() => worker.base, TOKEN);

const servers = async (): Promise<any[]> => (await api('/servers')).servers;
const byUrl = async (url: string) => (await servers()).find((s) => s.url === url);

const sim = (p: string, body: unknown) => simPost(simulator.controlUrl, p, body);

/** No server left over from this file or another one: sync's modes look at every server. */
const removeAllServers = () => removeAll(api, simulator.controlUrl);

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
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN, MULTITENANCY_ENABLED: 'true' });
  await startProxy();
  await removeAllServers();
}, 120_000);

afterAll(async () => {
  if (worker) await removeAllServers();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
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

    const host = new URL(node1.url).host;
    expect((await json(['servers', 'enable', node1.url])).state).toBe('enabled');
    expect((await json(['poll'])).servers).toBe(1);

    const status = await cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(seen).toEqual(['GET /servers']);
    const [header, row] = status.stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['HOSTNAME', 'STATE', 'STATUS', 'MEETINGS', 'USERS', 'LARGEST MEETING', 'VIDEOS', 'LOAD', 'VERSION', 'LAST POLL']);
    expect(row).toMatch(new RegExp(`^${host}\\s+enabled\\s+online\\s+0\\s+0\\s+0\\s+0\\s+\\S+\\s+\\S+\\s+\\d+s ago$`));

    const cordoned = await json(['servers', 'cordon', host]);
    expect(cordoned.state).toBe('cordoned');
    expect(seen).toEqual(['GET /servers', `PATCH /servers/${cordoned.id}`]);
    const updated = await json(['servers', 'update', cordoned.id, '--tag', '', '--load-multiplier', '2.5']);
    expect(updated).toMatchObject({ tag: null, loadMultiplier: 2.5, state: 'cordoned' });
    expect((await json(['servers', 'disable', cordoned.id])).state).toBe('disabled');
  });

  it('refuses to remove a server that still has meetings unless --force, which ends them', async () => {
    const s = await byUrl(node1.url);
    await api(`/servers/${s.id}`, 'PATCH', { state: 'enabled' });
    await sim(`/nodes/${node1.id}/seed`, { meetings: 3 });
    await api('/poll', 'POST');

    const meetings = await cli(['meetings', 'list']);
    const lines = meetings.stdout.trim().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['MEETING ID', 'NAME', 'SERVER', 'PARTICIPANTS', 'MODERATORS', 'VIDEOS', 'RUNNING', 'CREATED']);
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(1)) expect(line.split(/\s{2,}/)[2]).toBe(new URL(node1.url).host);
    const ended = lines[1]!.split(/\s{2,}/)[0]!;
    expect(await cli(['meetings', 'end', ended])).toEqual({ code: 0, stdout: `Ended meeting ${ended}\n`, stderr: '' });
    const after = await json(['meetings', 'list', '--tenant', 'default']);
    expect(seen).toEqual(['GET /tenants', 'GET /meetings?tenant=default']);
    expect(after.meetings.map((m: any) => m.meetingID)).not.toContain(ended);
    expect(after.meetings).toHaveLength(2);
    await api('/poll', 'POST');

    const refused = await cli(['servers', 'remove', s.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`scaleflare: Server ${node1.url} still has 2 meeting(s) (last poll): cordon it and wait, or use --force to end them\n`);
    expect(seen).toEqual(['GET /servers']);
    expect(await byUrl(node1.url)).toBeDefined();

    const forced = await cli(['servers', 'remove', s.id, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe(`Removed ${node1.url} (${s.id})\n`);
    expect(seen).toEqual(['GET /servers', `GET /servers/${s.id}/pending-uploads`, `POST /servers/${s.id}/panic`, `DELETE /servers/${s.id}`]);
    expect(await byUrl(node1.url)).toBeUndefined();
    // Panic ended them on the node before the server was forgotten.
    const left = await (await fetch(`${simulator.controlUrl}/nodes/${node1.id}/meetings`)).json();
    expect(left.meetings).toEqual([]);
  });

  it('an id the balancer would refuse is a usage error before any call', async () => {
    const r = await cli(['meetings', 'end', 'room\u0001one']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('scaleflare: meetingID "room\\u0001one" must not contain control characters or unpaired surrogates\n');
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
    await api('/servers', 'POST', { url: node1.url, secret: node1.secret, state: 'enabled' });
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
    expect(seen.sort()).toEqual(['GET /servers', 'POST /config/import?dryRun=true']);
    expect((await servers()).map((s) => [s.url, s.state])).toEqual([[node1.url, 'enabled']]);
    expect((await api('/tenants')).tenants.map((t: any) => t.name)).not.toContain(tenant);

    const applied = await json(['sync', pool, '--mode', 'cordon']);
    expect(applied.steps.map((s: any) => s.action)).toEqual(['create', 'cordon', 'create']);
    expect(seen.slice(2)).toEqual(['POST /config/import?dryRun=false', `PATCH /servers/${(await byUrl(node1.url)).id}`]);
    expect(await byUrl(node2.url)).toMatchObject({ state: 'enabled', tag: 'green' });
    expect((await byUrl(node1.url)).state).toBe('cordoned');
    expect((await json(['sync', pool, '--dry-run'])).steps.map((s: any) => s.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    // force: node1 has meetings, so nothing is written without --force.
    await api(`/servers/${(await byUrl(node1.url)).id}`, 'PATCH', { state: 'enabled' });
    await sim(`/nodes/${node1.id}/seed`, { meetings: 1 });
    await api('/poll', 'POST');
    const refused = await cli(['sync', pool, '--mode', 'force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Nothing was changed: Server');
    expect(seen).toHaveLength(2);
    expect(await byUrl(node1.url)).toBeDefined();
    const forced = await json(['sync', pool, '--mode', 'force', '--force']);
    expect(forced.steps.filter((s: any) => s.action === 'remove').map((s: any) => s.name)).toEqual([node1.url]);
    expect((await servers()).map((s) => s.url)).toEqual([node2.url]);
    await json(['tenants', 'remove', tenant]);
  });

  it('exports the configuration to a private file and imports it back', async () => {
    const backup = path.join(dir, 'backup.json');
    expect(await cli(['export', backup])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(backup, 'utf8'));
    expect(doc.servers).toEqual([{ url: node2.url, secret: node2.secret, tag: 'green', state: 'enabled', loadMultiplier: 1 }]);

    const plan = await cli(['import', backup, '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    const [title, header, first] = plan.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect([title, header, first]).toEqual([['Dry run, nothing written:'], ['KIND', 'NAME', 'ACTION'], ['server', node2.url, 'unchanged']]);
    expect((await json(['import', backup])).servers).toEqual([{ url: node2.url, action: 'unchanged' }]);
  });

  it('sets a proxy basename, which export and import carry, and clears it with an empty one', async () => {
    const set = await json(['servers', 'update', node2.url, '--proxy-basename', 'room-2']);
    expect(set).toMatchObject({ proxyBasename: 'room-2', proxyBasenameOverridden: true });
    expect((await json(['servers', 'proxy-settings', node2.url])).basename).toBe('room-2');
    const backup = path.join(dir, 'basename.json');
    expect((await cli(['export', backup])).code).toBe(0);
    expect(JSON.parse(readFileSync(backup, 'utf8')).servers[0].proxyBasename).toBe('room-2');
    expect((await json(['import', backup, '--dry-run'])).servers).toEqual([{ url: node2.url, action: 'unchanged' }]);

    const cleared = await json(['servers', 'update', node2.url, '--proxy-basename', '']);
    expect(cleared).toMatchObject({ proxyBasename: new URL(node2.url).hostname.split('.')[0], proxyBasenameOverridden: false });
    expect((await json(['import', backup, '--dry-run'])).servers).toEqual([{ url: node2.url, action: 'update' }]);
    const bad = await cli(['servers', 'update', node2.url, '--proxy-basename', 'a_b']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('proxyBasename');
  });

  it('sets capacities, shows them in the list, makes one unknown with an empty value; export carries them', async () => {
    const set = await json(['servers', 'update', node2.url, '--capacity-users', '500', '--capacity-meetings', '40']);
    expect(set).toMatchObject({ capacityUsers: 500, capacityMeetings: 40, capacityVideoStreams: null });
    const list = await cli(['servers', 'list']);
    const [header, row] = list.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(row![header!.indexOf('CAPACITY')]).toBe('500/40/?');
    const backup = path.join(dir, 'capacity.json');
    expect((await cli(['export', backup])).code).toBe(0);
    expect(JSON.parse(readFileSync(backup, 'utf8')).servers[0]).toMatchObject({ capacityUsers: 500, capacityMeetings: 40 });
    expect(await json(['servers', 'update', node2.url, '--capacity-users', ''])).toMatchObject({ capacityUsers: null, capacityMeetings: 40 });
    for (const bad of ['0', '1.5', 'many']) {
      const r = await cli(['servers', 'update', node2.url, '--capacity-meetings', bad]);
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr, bad).toContain('--capacity-meetings must be a positive whole number');
    }
    expect(await json(['servers', 'update', node2.url, '--capacity-meetings', ''])).toMatchObject({ capacityMeetings: null });
  });

  it('rotates a node secret: generated and shown once, promote refused until the node switched, cancel', async () => {
    const started = await cli(['servers', 'rotate-secret', node2.url]);
    expect(started.code, started.stderr).toBe(0);
    const secret = /shown once, keep it safe\): (\w+)/.exec(started.stdout)![1]!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(started.stdout).toContain('bbb-conf --setsecret');
    expect((await byUrl(node2.url)).secretNextFingerprint).toMatch(/^[0-9a-f]{12}$/);

    const early = await cli(['servers', 'rotate-secret', node2.url, '--promote']);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain('bbb-conf --setsecret');
    await sim(`/nodes/${node2.id}/setsecret`, { secret });
    const promoted = await json(['servers', 'rotate-secret', node2.url, '--promote']);
    expect(promoted.secretNextFingerprint).toBeNull();

    // Back to the node's own secret, by a rotation given on standard input, then cancelled and done again.
    expect((await json(['servers', 'rotate-secret', node2.url, '--secret', '-'], { stdin: `${node2.secret}\n` })).secret).toBeUndefined();
    expect((await cli(['servers', 'rotate-secret', node2.url, '--cancel'])).stdout).toContain('Rotation cancelled');
    expect((await cli(['servers', 'rotate-secret', node2.url, '--cancel', '--promote'])).code).not.toBe(0);
    await json(['servers', 'rotate-secret', node2.url, '--secret', '-'], { stdin: `${node2.secret}\n` });
    await sim(`/nodes/${node2.id}/setsecret`, { secret: node2.secret });
    expect((await json(['servers', 'rotate-secret', node2.url, '--promote'])).secretNextFingerprint).toBeNull();
  });

  it('fails clearly: bad token, bad file, bad usage, unreachable balancer; the token is never printed', async () => {
    const closed = await closedPort();
    // Independent runs, side by side: each is a process start.
    const [bad, invalid, broken, unknown, badMode, missingArg, noToken, down, notLb] = await Promise.all([
      cli(['status'], { token: 'wrong-token-secret' }),
      cli(['servers', 'add', 'ftp://x', '--secret', 's']),
      cli(['sync', file('broken.yaml', 'servers:\n  bad id!:\n    secret: x\n')]),
      cli(['servers', 'frobnicate']),
      cli(['sync', 'x.yaml', '--mode', 'wipe']),
      cli(['servers', 'remove']),
      cli(['status'], { token: '' }),
      cli(['status'], { url: `http://127.0.0.1:${closed}` }),
      cli(['status'], { url: simulator.controlUrl }),
    ]);
    expect(bad).toEqual({ code: 1, stdout: '', stderr: `scaleflare: The admin token was refused by ${base} (check --token or SCALEFLARE_TOKEN)\n` });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('body.url: must be an http(s) URL');
    expect(broken).toMatchObject({ code: 1, stderr: 'scaleflare: servers.bad id!: a server id must match [a-zA-Z0-9_.-]+\n' });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown command: servers frobnicate') });
    expect(badMode).toMatchObject({ code: 2, stderr: expect.stringContaining('--mode must be one of keep, cordon, force') });
    expect(missingArg).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: scaleflare servers remove <id|url|host> [--force]') });
    expect(noToken).toMatchObject({ code: 2, stderr: 'scaleflare: Missing the admin token: --token <token> or SCALEFLARE_TOKEN\n' });
    expect(down).toMatchObject({ code: 1, stderr: `scaleflare: Cannot reach http://127.0.0.1:${closed}: ECONNREFUSED\n` });
    expect(notLb.code).toBe(1);
    expect(notLb.stderr).toContain("is --url the balancer's base URL?");
    for (const r of [bad, invalid, down, notLb]) expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('calls only operations the OpenAPI document describes', async () => {
    const doc = await (await fetch(`${worker.base}/admin/v1/openapi.json`)).json();
    const operations = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: new RegExp(`^/admin/v1${p.replace(/\{\w+\}/g, '[^/]+')}$`) })),
    );
    const unknown = [...everySeen].filter((r) => {
      const [method, p] = r.split(' ');
      return !operations.some((o) => o.method === method && o.path.test(p!));
    });
    expect(everySeen.size).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });
});
