/**
 * `npm run bench`: throughput and latency of join, create, getMeetingInfo and isMeetingRunning
 * against the real Worker running in workerd with no dev tooling in the request path, next to
 * two ceilings measured in the same run and the same Worker (a static 302, and one Upstash GET
 * then a 302). See docs/benchmarks.md for what is measured, how, and what the numbers mean.
 *
 *   npm run bench -- [--duration 10] [--warmup 3] [--rounds 2] [--connections 32]
 *                    [--meetings 200] [--nodes 5] [--loadgen child|inline]
 *                    [--routes static,redis1,join,...] [--diagnose] [--checksum sha1|sha256]
 *                    [--pin] [--keep] [--profile <call>]
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { startStack, workerBindings, type Stack } from './stack/stack.js';
import { startSimulator, type Simulator } from '../test/support/bbb-sim/simulator.js';
import { CEILING_KEY } from '../test/bench/constants.js';
import { runLoad, type LoadResult } from '../test/bench/loadgen.js';
import { cpuDelta, cpuSnapshot, foreignMs, pinProcesses, type CpuSnapshot, type GroupRoots } from '../test/bench/procstat.js';
import { inspectorTarget, Profiler, summarizeProfile } from '../test/bench/profile.js';
import { freePort } from './stack/net.js';
import {
  classify,
  createParams,
  errorCount,
  newTally,
  ROUTE_INFO,
  ROUTES,
  signedPath,
  type ChecksumAlg,
  type LoadJob,
  type RouteName,
  type Tally,
} from '../test/bench/requests.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const WORKER_NAME = 'scaleflare-bench';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  meetings: number;
  nodes: number;
  loadgen: 'child' | 'inline';
  routes: RouteName[];
  checksum: ChecksumAlg;
  keep: boolean;
  /** workerd on a CPU of its own, the rest of the bench on the others (Linux, taskset). */
  pin: boolean;
  /** Instead of the rounds: a CPU profile of the Worker under this call's load (inspector on). */
  profile?: RouteName;
}

const USAGE = `usage: npm run bench -- [options]
  --duration <s>      measured seconds per call and round (default 10)
  --warmup <s>        unmeasured seconds before each measurement (default 3)
  --rounds <n>        rounds over all calls, interleaved (default 2)
  --connections <n>   concurrent connections (default 32)
  --meetings <n>      meetings created before the run (default 200)
  --nodes <n>         simulated BBB nodes (default 5)
  --loadgen <where>   child (default: autocannon in a child process) or inline (in the bench process)
  --routes <list>     comma list of ${ROUTES.join(', ')}
                      (default: all but the diagnostics eval and evalsha; static and redis1 always run)
  --diagnose          add the diagnostics: join's LOOKUP script sent with EVAL and with EVALSHA
  --checksum <alg>    sha1 (default) or sha256 for the calls' checksums
  --pin               workerd on a CPU of its own, the rest of the bench on the others (Linux, taskset)
  --keep              keep the run directory under .local/bench
  --profile <call>    instead of the table: a CPU profile of the Worker while <call> is under load
                      (inspector on, so throughput is lower; proportions only); saved as .cpuprofile`;

function parseOptions(argv: string[]): Options {
  const o: Options = {
    duration: 10,
    warmup: 3,
    rounds: 2,
    connections: 32,
    meetings: 200,
    nodes: 5,
    loadgen: 'child',
    routes: ROUTES.filter((r) => !ROUTE_INFO[r].diagnostic),
    checksum: 'sha1',
    keep: false,
    pin: false,
  };
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number between ${min} and ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--duration': o.duration = num('duration', value(), 1, 120); break;
      case '--warmup': o.warmup = num('warmup', value(), 0, 60); break;
      case '--rounds': o.rounds = Math.round(num('rounds', value(), 1, 10)); break;
      case '--connections': o.connections = Math.round(num('connections', value(), 1, 1024)); break;
      case '--meetings': o.meetings = Math.round(num('meetings', value(), 1, 10_000)); break;
      case '--nodes': o.nodes = Math.round(num('nodes', value(), 1, 100)); break;
      case '--loadgen': {
        const v = value();
        if (v !== 'child' && v !== 'inline') fail('--loadgen must be child or inline');
        o.loadgen = v;
        break;
      }
      case '--routes': {
        const list = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = list.filter((r) => !(ROUTES as readonly string[]).includes(r));
        if (unknown.length || !list.length) fail(`--routes: unknown ${unknown.join(', ') || '(empty)'}; known: ${ROUTES.join(', ')}`);
        // The ceilings are what every ratio is computed against: always measured.
        o.routes = ROUTES.filter((r) => r === 'static' || r === 'redis1' || list.includes(r));
        break;
      }
      case '--checksum': {
        const v = value();
        if (v !== 'sha1' && v !== 'sha256') fail('--checksum must be sha1 or sha256');
        o.checksum = v;
        break;
      }
      case '--keep': o.keep = true; break;
      case '--pin': o.pin = true; break;
      case '--diagnose': o.routes = ROUTES.filter((r) => o.routes.includes(r) || ROUTE_INFO[r].diagnostic); break;
      case '--profile': {
        const v = value() ?? '';
        if (!(ROUTES as readonly string[]).includes(v)) fail(`--profile: unknown call ${v}; known: ${ROUTES.join(', ')}`);
        o.profile = v as RouteName;
        break;
      }
      case '--help': case '-h': console.log(USAGE); process.exit(0);
      default: fail(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return o;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

// ---------------------------------------------------------------------------------------------
// The Worker: bundled as wrangler deploys it, run by Miniflare's API on its own workerd socket

/** `compatibility_*` and the `[vars]` table of wrangler.toml (flat `KEY = "value"` lines only). */
function readWranglerToml(file: string): { compatibilityDate: string; compatibilityFlags: string[]; vars: Record<string, string> } {
  const text = readFileSync(file, 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1];
  if (!date) throw new Error(`${file}: no compatibility_date`);
  const vars: Record<string, string> = {};
  let inVars = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) inVars = trimmed === '[vars]';
    else if (inVars && trimmed && !trimmed.startsWith('#')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(trimmed);
      if (!m) throw new Error(`${file}: cannot read [vars] line: ${trimmed}`);
      vars[m[1]!] = JSON.parse(`"${m[2]!}"`) as string;
    }
  }
  return {
    compatibilityDate: date,
    compatibilityFlags: (flags ?? '').split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean),
    vars,
  };
}

/** `wrangler deploy --dry-run`: the same bundle a deployment uploads, with test/bench/worker.ts as entry. */
async function bundle(outdir: string, logFile: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const wranglerBin = path.join(path.dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const args = [wranglerBin, 'deploy', 'test/bench/worker.ts', '--dry-run', '--outdir', outdir, '--config', 'wrangler.toml'];
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  out.end();
  const file = path.join(outdir, 'worker.js');
  if (code !== 0 || !existsSync(file)) {
    throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`);
  }
  return file;
}

/** Worker stdout/stderr: kept in a file; the first lines are echoed, the rest only counted. */
class WorkerOutput {
  lines = 0;
  private echoed = 0;
  constructor(private readonly file: ReturnType<typeof createWriteStream>) {}
  handle = (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
    for (const stream of [stdout, stderr]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) this.line(line);
      });
    }
  };
  private line(line: string) {
    if (!line.trim()) return;
    this.lines++;
    this.file.write(`${line}\n`);
    if (this.echoed < 20) {
      this.echoed++;
      console.log(`  [worker] ${line}`);
    } else if (this.echoed === 20) {
      this.echoed++;
      console.log('  [worker] (more output is only counted; see the run directory with --keep)');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Load generation: in this process, or in a child process over IPC

interface LoadGenerator {
  pid: number | undefined;
  run(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

function inlineLoadGenerator(): LoadGenerator {
  return { pid: undefined, run: runLoad, stop: async () => {} };
}

async function childLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(path.join(ROOT, 'test/bench/loadgen-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      for (const p of pending.values()) p.reject(new Error(`load generator exited (code ${code})`));
      pending.clear();
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => reject(new Error('load generator exited before it was ready')));
    child.on('message', (message: { ready?: boolean; id?: number; result?: LoadResult; error?: string }) => {
      if (message.ready) return resolve();
      const p = message.id === undefined ? undefined : pending.get(message.id);
      if (!p) return;
      pending.delete(message.id!);
      if (message.result) p.resolve(message.result);
      else p.reject(new Error(`load generator: ${message.error}`));
    });
  });
  return {
    pid: child.pid,
    run: (job) =>
      new Promise<LoadResult>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, job });
      }),
    stop: async () => {
      if (exited) return;
      child.disconnect();
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(killer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Counters: storage round trips at the bridges, backend calls at the simulated nodes

interface Counts {
  redis: number;
  postgres: number;
  nodeCalls: number;
  nodeCallsByName: Record<string, number>;
}

async function resetCounts(stack: Stack, sim: Simulator): Promise<void> {
  await Promise.all([
    ...Object.values(stack.counters).map((base) => fetch(`${base}/__counters`, { method: 'DELETE' }).then((r) => r.arrayBuffer())),
    ...sim.nodes.map((n) => fetch(`${sim.controlUrl}/nodes/${n.id}/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer())),
  ]);
}

async function readCounts(stack: Stack, sim: Simulator): Promise<Counts> {
  const get = async <T>(url: string) => (await (await fetch(url)).json()) as T;
  type BridgeCounters = { requests: number; queries?: number };
  const [upstash, neonHttp, neonWs] = await Promise.all([
    get<BridgeCounters>(`${stack.counters.upstash}/__counters`),
    get<BridgeCounters>(`${stack.counters.neonHttp}/__counters`),
    get<BridgeCounters>(`${stack.counters.neonWs}/__counters`),
  ]);
  const calls = await Promise.all(
    sim.nodes.map((n) => get<{ total: number; counts: Record<string, number> }>(`${sim.controlUrl}/nodes/${n.id}/calls`)),
  );
  const byName: Record<string, number> = {};
  for (const c of calls) for (const [name, count] of Object.entries(c.counts)) byName[name] = (byName[name] ?? 0) + count;
  return {
    // One HTTP request to the Upstash REST bridge is one round trip (a pipeline is one request).
    redis: upstash.requests,
    // One Neon HTTP /sql request, or one query over the WebSocket relay, is one round trip.
    postgres: neonHttp.requests + (neonWs.queries ?? 0),
    nodeCalls: calls.reduce((a, c) => a + c.total, 0),
    nodeCallsByName: byName,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics and the report

interface Sample {
  round: number;
  route: RouteName;
  result: LoadResult;
  counts: Counts;
  cpu: CpuSnapshot;
  /** CPU other processes on the machine used during the window, in cores (0.5 = half a core). */
  foreignCores: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

interface RouteSummary {
  route: RouteName;
  rps: number;
  rpsByRound: number[];
  p50: number;
  p99: number;
  ratioStatic: number;
  ratioRedis1: number;
  ratioStaticByRound: number[];
  ratioRedis1ByRound: number[];
  redisPerCall: number;
  postgresPerCall: number;
  nodeCallsPerCall: number;
  nodeCallsByName: Record<string, number>;
  responses: number;
  errors: number;
  socketErrors: number;
  timeouts: number;
  tally: Tally;
  cpuMsPerCall: Record<string, number>;
  /** Other processes' CPU during each round's window, in cores. */
  foreignCoresByRound: number[];
}

function mergeTally(into: Tally, t: Tally): void {
  into.ok += t.ok;
  for (const key of ['badStatus', 'failed', 'unexpected'] as const) {
    for (const [k, v] of Object.entries(t[key])) into[key][k] = (into[key][k] ?? 0) + v;
  }
  for (const s of t.samples) if (into.samples.length < 5) into.samples.push(s);
}

function summarize(samples: Sample[], routes: RouteName[], rounds: number): RouteSummary[] {
  const rps = (s: Sample) => s.result.responses / s.result.seconds;
  const byRound = (route: RouteName) =>
    Array.from({ length: rounds }, (_, r) => samples.find((s) => s.round === r + 1 && s.route === route));
  const roundRps = (route: RouteName) => byRound(route).map((s) => (s ? rps(s) : NaN));
  const staticRps = roundRps('static');
  const redis1Rps = roundRps('redis1');
  return routes.map((route) => {
    const mine = samples.filter((s) => s.route === route);
    const responses = mine.reduce((a, s) => a + s.result.responses, 0);
    const seconds = mine.reduce((a, s) => a + s.result.seconds, 0);
    const latencies = mine.flatMap((s) => s.result.latencies).sort((a, b) => a - b);
    const tally = newTally();
    for (const s of mine) mergeTally(tally, s.result.tally);
    const sum = (f: (c: Counts) => number) => mine.reduce((a, s) => a + f(s.counts), 0);
    const byName: Record<string, number> = {};
    for (const s of mine) for (const [k, v] of Object.entries(s.counts.nodeCallsByName)) byName[k] = (byName[k] ?? 0) + v;
    for (const k of Object.keys(byName)) byName[k] = byName[k]! / responses;
    const cpu: Record<string, number> = {};
    for (const s of mine) for (const [k, v] of Object.entries(s.cpu)) cpu[k] = (cpu[k] ?? 0) + v;
    for (const k of Object.keys(cpu)) cpu[k] = cpu[k]! / responses;
    const mineRps = roundRps(route);
    const total = responses / seconds;
    const staticTotal = sumRps(samples, 'static');
    const redis1Total = sumRps(samples, 'redis1');
    return {
      route,
      rps: total,
      rpsByRound: mineRps,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      ratioStatic: total / staticTotal,
      ratioRedis1: total / redis1Total,
      ratioStaticByRound: mineRps.map((v, i) => v / staticRps[i]!),
      ratioRedis1ByRound: mineRps.map((v, i) => v / redis1Rps[i]!),
      redisPerCall: sum((c) => c.redis) / responses,
      postgresPerCall: sum((c) => c.postgres) / responses,
      nodeCallsPerCall: sum((c) => c.nodeCalls) / responses,
      nodeCallsByName: byName,
      responses,
      errors: errorCount(tally) + mine.reduce((a, s) => a + s.result.socketErrors + s.result.timeouts, 0),
      socketErrors: mine.reduce((a, s) => a + s.result.socketErrors, 0),
      timeouts: mine.reduce((a, s) => a + s.result.timeouts, 0),
      tally,
      cpuMsPerCall: cpu,
      foreignCoresByRound: byRound(route).map((s) => (s ? s.foreignCores : NaN)),
    };
  });
}

function sumRps(samples: Sample[], route: RouteName): number {
  const mine = samples.filter((s) => s.route === route);
  return mine.reduce((a, s) => a + s.result.responses, 0) / mine.reduce((a, s) => a + s.result.seconds, 0);
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function report(summaries: RouteSummary[], o: Options, meta: Record<string, string>): string {
  const out: string[] = [];
  out.push(`Scaleflare bench, ${meta.date}: ${meta.machine}; ${o.connections} connections, ${o.rounds} round(s) of ${o.duration} s per call after ${o.warmup} s warm-up; load generator ${o.loadgen === 'child' ? 'in a child process' : 'in the bench process'}; checksums ${o.checksum}; ${meta.pinning}; code ${meta.code}.`);
  out.push('');
  out.push(
    table(
      ['call', 'req/s', 'p50 ms', 'p99 ms', '÷ static', '÷ 1-GET', 'Redis RT/call', 'PG RT/call', 'node calls/call', 'errors'],
      summaries.map((s) => [
        ROUTE_INFO[s.route].label,
        f0(s.rps),
        f1(s.p50),
        f1(s.p99),
        f2(s.ratioStatic),
        f2(s.ratioRedis1),
        f2(s.redisPerCall),
        f2(s.postgresPerCall),
        f2(s.nodeCallsPerCall),
        `${s.errors} / ${s.responses.toLocaleString('en-US')}`,
      ]),
    ),
  );
  out.push('');
  out.push('Per round: req/s, ratio to the one-GET ceiling of the same round, and [CPU other processes on the machine used meanwhile, in cores]:');
  out.push('');
  out.push(
    table(
      ['call', ...Array.from({ length: o.rounds }, (_, i) => `round ${i + 1}`)],
      summaries.map((s) => [
        ROUTE_INFO[s.route].label,
        ...s.rpsByRound.map((v, i) => `${f0(v)} (${f2(s.ratioRedis1ByRound[i]!)}) [${f2(s.foreignCoresByRound[i]!)}]`),
      ]),
    ),
  );
  const busiest = Math.max(...summaries.flatMap((s) => s.foreignCoresByRound.filter(Number.isFinite)));
  if (busiest > 0.1) {
    out.push('');
    out.push(`WARNING: other processes used up to ${f2(busiest)} cores during a measurement: this machine was not quiet, so figures and ratios are skewed. Run again when it is idle.`);
  }
  out.push('');
  const groups = ['workerd', 'bench node', ...(o.loadgen === 'child' ? ['loadgen'] : []), 'redis-server', 'postgres'];
  out.push(`CPU ms per call, by process (bench node = bridges + simulator${o.loadgen === 'inline' ? ' + load generator' : ''}):`);
  out.push('');
  out.push(
    table(
      ['call', ...groups, 'total'],
      summaries.map((s) => [
        ROUTE_INFO[s.route].label,
        ...groups.map((g) => f2(s.cpuMsPerCall[g] ?? 0)),
        f2(Object.values(s.cpuMsPerCall).reduce((a, b) => a + b, 0)),
      ]),
    ),
  );
  const nodeCalls = summaries.filter((s) => Object.keys(s.nodeCallsByName).length);
  if (nodeCalls.length) {
    out.push('');
    out.push('Node calls per call, by BBB call: ' + nodeCalls.map((s) => `${s.route}: ${Object.entries(s.nodeCallsByName).map(([k, v]) => `${k} ${f2(v)}`).join(', ')}`).join('; '));
  }
  const bad = summaries.filter((s) => s.errors > 0);
  out.push('');
  if (bad.length === 0) out.push('Errors: none (every answer was the expected 302 or SUCCESS).');
  else {
    out.push('ERRORS (these numbers are not a benchmark of the calls until fixed):');
    for (const s of bad) {
      out.push(`  ${s.route}: ${s.errors} of ${s.responses}: status ${JSON.stringify(s.tally.badStatus)}, FAILED ${JSON.stringify(s.tally.failed)}, unexpected ${JSON.stringify(s.tally.unexpected)}, socket errors ${s.socketErrors}, timeouts ${s.timeouts}`);
      for (const sample of s.tally.samples) out.push(`    e.g. ${sample}`);
    }
  }
  return out.join('\n');
}

/** The commit measured, and whether the Worker's sources differ from it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'scheduled', 'wrangler.toml', 'package-lock.json') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes to the Worker' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const budgetSec = o.profile ? 60 + o.duration + o.warmup : 45 + o.rounds * o.routes.length * (o.duration + o.warmup + 2);
  if (o.profile) log(`CPU profile of the Worker under ${o.profile}: ${o.warmup} s warm-up + ${o.duration} s`);
  else log(`${o.routes.length} calls × ${o.rounds} round(s) × (${o.warmup} s warm-up + ${o.duration} s); about ${Math.ceil(budgetSec / 60)} min`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const benchRoot = path.join(ROOT, '.local', 'bench');
  const dir = path.join(benchRoot, `run-${stamp}-${process.pid}`);
  mkdirSync(dir, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse().splice(0)) await step().catch((e: Error) => console.error(`bench: cleanup: ${e.message}`));
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
      else log(`kept ${path.relative(ROOT, dir)}`);
      log('stopped: workerd, load generator, simulator, bridges, Redis and Postgres');
    })());
  // Ctrl-C reaches every process of the terminal's group, and npm and tsx relay it once more:
  // only the first signal starts the cleanup, repeats must not kill the bench halfway through it.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    console.error(`bench: ${signal}, stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // However it goes, the bench stops by itself.
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${budgetSec + 90} s, giving up`);
    void cleanup().finally(() => process.exit(1));
  }, (budgetSec + 90) * 1000);
  watchdog.unref();

  try {
    // 1. The Worker bundle, exactly as `wrangler deploy` would build it.
    const toml = readWranglerToml(path.join(ROOT, 'wrangler.toml'));
    const script = await bundle(path.join(dir, 'bundle'), path.join(dir, 'wrangler.log'));
    log(`bundled test/bench/worker.ts with wrangler deploy --dry-run`);

    // 2. Private Postgres + Redis + bridges, and the simulated nodes.
    const stack = await startStack({
      dir: path.join(dir, 'stack'),
      fresh: true,
      ports: { postgres: 0, redis: 0, neonWs: 0, neonHttp: 0, upstash: 0 },
      honourEnv: false,
    });
    cleanups.push(() => stack.stop());
    const sim = await startSimulator({ nodes: o.nodes });
    cleanups.push(() => sim.stop());
    log(`stack up (${stack.postgresKind} + redis-server), ${o.nodes} simulated nodes`);

    // 3. The Worker in workerd: Miniflare's API, inspector off, no request logging, and the load
    //    sent to the Worker's own socket (unsafeDirectSockets), not through Miniflare's entry worker.
    const secret = randomBytes(20).toString('hex');
    const output = new WorkerOutput(createWriteStream(path.join(dir, 'worker.log')));
    // The inspector only for --profile: it is dev tooling and stays out of every measured run.
    const inspectorPort = o.profile ? await freePort() : undefined;
    const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    const mf = new Miniflare({
      ...(inspectorPort ? { inspectorPort } : {}),
      host: '127.0.0.1',
      port: 0,
      cf: false,
      logRequests: false,
      log: new Log(LogLevel.WARN),
      handleRuntimeStdio: output.handle,
      workers: [
        {
          name: WORKER_NAME,
          modules: [{ type: 'ESModule', path: script }],
          compatibilityDate: toml.compatibilityDate,
          compatibilityFlags: toml.compatibilityFlags,
          bindings: { ...toml.vars, ...workerBindings(stack.endpoints), LOADBALANCER_SECRET: secret },
          r2Buckets: ['RECORDINGS'],
          unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
          // Outbound fetches go straight to the network, not through Miniflare's header-stripping worker.
          stripCfConnectingIp: false,
        },
      ],
    });
    cleanups.push(() => mf.dispose());
    // Miniflare's exit hook calls process.exit() on SIGINT/SIGTERM, which would cut our cleanup
    // short and leave Redis and Postgres running; our own handler disposes of it in order instead.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) {
        if (!signalListeners[signal].includes(listener)) process.off(signal, listener);
      }
    }
    await mf.ready;
    const base = (await mf.unsafeGetDirectURL(WORKER_NAME)).toString().replace(/\/$/, '');
    log(`worker ready on ${base} (workerd, direct socket)`);

    // 4. Register and enable the nodes through Scalelite's admin API, then one poll.
    const adminCall = async (action: string, body: unknown) => {
      const checksum = createHash('sha256').update(action + secret).digest('hex');
      const res = await fetch(`${base}/scalelite/api/${action}?checksum=${checksum}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`admin ${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as { id: string };
    };
    for (const node of sim.nodes) {
      const added = await adminCall('addServer', { server: { url: node.url, secret: node.secret } });
      await adminCall('updateServer', { id: added.id, server: { state: 'enable' } });
    }
    const worker = await mf.getWorker(WORKER_NAME);
    const polled = await worker.scheduled({ cron: '* * * * *' });
    if (polled.outcome !== 'ok') throw new Error(`poll: outcome ${polled.outcome}`);
    log(`${o.nodes} servers registered, enabled and polled`);

    // 5. Meetings for join, getMeetingInfo, isMeetingRunning and create-existing to hit.
    const meetingIDs = Array.from({ length: o.meetings }, (_, i) => `bench-room-${i}`);
    const precreate = newTally();
    for (let i = 0; i < meetingIDs.length; i += 16) {
      await Promise.all(
        meetingIDs.slice(i, i + 16).map(async (id) => {
          const res = await fetch(base + signedPath('create', createParams(id, `Bench room ${id}`), secret, o.checksum));
          classify('create', res.status, await res.text(), undefined, precreate);
        }),
      );
    }
    if (errorCount(precreate) > 0) throw new Error(`creating the bench meetings failed: ${precreate.samples.join(' / ')}`);
    // The value /__bench/redis1 reads: about as long as a route.
    await fetch(stack.endpoints.upstashUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.endpoints.upstashToken}` },
      body: JSON.stringify(['SET', CEILING_KEY, 'node-3|enabled|1|1732222222222']),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`SET ${CEILING_KEY}: HTTP ${r.status} ${await r.text()}`);
    });
    log(`${o.meetings} meetings created`);

    // 6. The load generator, and the process groups whose CPU is accounted.
    const loadgen = o.loadgen === 'child' ? await childLoadGenerator() : inlineLoadGenerator();
    cleanups.push(() => loadgen.stop());
    const postmasterFile = path.join(dir, 'stack', 'pg', 'data', 'postmaster.pid');
    const postmaster = existsSync(postmasterFile) ? Number(readFileSync(postmasterFile, 'utf8').split('\n')[0]) : undefined;
    const roots: GroupRoots = { self: process.pid, ...(loadgen.pid ? { loadgen: loadgen.pid } : {}), ...(postmaster ? { postmaster } : {}) };
    const pinning = o.pin ? pinProcesses(roots) : { pinned: false, note: 'processes not pinned to CPUs' };
    if (o.pin) log(pinning.note);

    const job = (route: RouteName, durationSec: number, uniquePrefix: string): LoadJob => ({
      baseUrl: base,
      route,
      secret,
      checksum: o.checksum,
      meetingIDs,
      uniquePrefix,
      connections: o.connections,
      durationSec,
    });

    // One short sequential check per call, so a broken setup fails in seconds, not minutes.
    for (const route of o.routes) {
      const r = await loadgen.run({ ...job(route, 1, `check-${route}`), connections: 1 });
      if (errorCount(r.tally) > 0 || r.responses === 0 || r.socketErrors > 0) {
        throw new Error(`${route} does not answer as expected: ${r.tally.samples.join(' / ') || `${r.responses} answers, ${r.socketErrors} socket errors`}`);
      }
    }
    log('every call answers as expected; measuring');

    if (o.profile) {
      const route = o.profile;
      if (o.warmup > 0) await loadgen.run(job(route, o.warmup, `w-${stamp}`));
      const profiler = await Profiler.connect(await inspectorTarget(inspectorPort!, WORKER_NAME));
      await profiler.start(100);
      const result = await loadgen.run(job(route, o.duration, `p-${stamp}`));
      const profile = await profiler.stop();
      profiler.close();
      const file = path.join(benchRoot, `profile-${route}-${stamp}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`\n${route} under the profiler: ${f0(result.responses / result.seconds)} req/s (inspector on: not comparable with the table)\n`);
      console.log(summarizeProfile(profile, script, result.responses));
      log(`profile written to ${path.relative(ROOT, file)} (open in Chrome DevTools or speedscope)`);
      return errorCount(result.tally) > 0 ? 1 : 0;
    }

    // 7. Rounds: every call in turn, the order reversed every other round against drift.
    const samples: Sample[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 === 1 ? o.routes : [...o.routes].reverse();
      for (const route of order) {
        if (o.warmup > 0) await loadgen.run(job(route, o.warmup, `w${round}-${stamp}`));
        await sleep(300);
        await resetCounts(stack, sim);
        const before = cpuSnapshot(roots);
        const startedAt = performance.now();
        const result = await loadgen.run(job(route, o.duration, `r${round}-${stamp}`));
        // Work the Worker deferred with waitUntil (create's history and index writes) lands here.
        await sleep(500);
        const { machine: _machine, ...cpu } = cpuDelta(before, cpuSnapshot(roots));
        const foreignCores = foreignMs({ ...cpu, machine: _machine ?? 0 }) / (performance.now() - startedAt);
        const counts = await readCounts(stack, sim);
        samples.push({ round, route, result, counts, cpu, foreignCores });
        const errors = errorCount(result.tally) + result.socketErrors + result.timeouts;
        log(
          `round ${round} ${route.padEnd(16)} ${f0(result.responses / result.seconds).padStart(6)} req/s` +
            `  redis ${f2(counts.redis / result.responses)}/call  pg ${f2(counts.postgres / result.responses)}/call` +
            `  node ${f2(counts.nodeCalls / result.responses)}/call  other load ${f2(foreignCores)} cores` +
            `${errors ? `  ERRORS ${errors}` : ''}`,
        );
      }
    }

    // 8. The report.
    const summaries = summarize(samples, o.routes, o.rounds);
    const cpus = os.cpus();
    const meta = {
      date: new Date().toISOString().slice(0, 10),
      code: codeVersion(),
      pinning: pinning.note,
      machine: `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.type()} ${os.release()}, Node ${process.version}`,
    };
    const text = report(summaries, o, meta);
    console.log(`\n${text}\n`);
    if (output.lines > 0) console.log(`The Worker wrote ${output.lines} line(s) of output during the run.`);
    const resultsFile = path.join(benchRoot, `results-${stamp}.json`);
    writeFileSync(
      resultsFile,
      JSON.stringify(
        { meta, options: o, summaries: summaries.map(({ tally, ...s }) => ({ ...s, tally: { ...tally } })), workerOutputLines: output.lines },
        null,
        2,
      ),
    );
    log(`results written to ${path.relative(ROOT, resultsFile)}`);
    return summaries.some((s) => s.errors > 0) ? 1 : 0;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
