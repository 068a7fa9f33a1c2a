/**
 * `npm run bench:recordings`: getRecordings latency (p50/p95/p99) over a large index (100,000
 * recordings by default) with the filters and paging LMSs use, against the real Worker bundle in
 * workerd with private Postgres, Redis and the Neon/Upstash bridges. Results: docs/benchmarks.md.
 *
 *   npm run bench:recordings -- [--recordings 100000] [--requests 300] [--warmup 30]
 *                               [--concurrency 4] [--only TEXT] [--keep]
 *
 * --only runs the scenarios whose name contains TEXT (e.g. `--only Moodle`), for a quick check.
 *
 * Reuses the parts of `npm run bench` (test/bench/): bundle, workerd, stack, counters, shutdown.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startStack, workerBindings } from './stack/stack.js';
import { bundle, readWranglerToml } from '../test/bench/bundle.js';
import { f0, f1, f2, table } from '../test/bench/format.js';
import { log } from '../test/bench/log.js';
import { ROOT, runPaths } from '../test/bench/paths.js';
import { measureScenario, type ScenarioResult } from '../test/bench/recordings-measure.js';
import { SCENARIOS } from '../test/bench/recordings-scenarios.js';
import { seedRecordings } from '../test/bench/recordings-seed.js';
import { Shutdown } from '../test/bench/shutdown.js';
import { startWorker } from '../test/bench/workerd.js';

interface Options {
  recordings: number;
  requests: number;
  warmup: number;
  concurrency: number;
  only: string;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { recordings: 100_000, requests: 300, warmup: 30, concurrency: 4, only: '', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--keep') {
      o.keep = true;
      continue;
    }
    if (flag === '--only' && argv[i + 1]) {
      o.only = argv[++i]!;
      continue;
    }
    const key = flag.replace(/^--/, '') as keyof Options;
    const value = Number(argv[++i]);
    const limits: Record<string, [number, number]> = { recordings: [100, 2_000_000], requests: [10, 100_000], warmup: [0, 10_000], concurrency: [1, 256] };
    const range = limits[key];
    if (!range || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      console.error(`bench:recordings: ${flag} needs a whole number${range ? ` from ${range[0]} to ${range[1]}` : ''} (--recordings, --requests, --warmup, --concurrency, --only, --keep)`);
      process.exit(2);
    }
    (o as unknown as Record<string, number>)[key] = value;
  }
  return o;
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const run = runPaths();
  const shutdown = new Shutdown(600);
  shutdown.defer(async () => {
    if (!o.keep) rmSync(run.dir, { recursive: true, force: true });
  });
  try {
    const toml = readWranglerToml(path.join(ROOT, 'wrangler.toml'));
    const script = await bundle(path.join(run.dir, 'bundle'), path.join(run.dir, 'wrangler.log'));
    const stack = await startStack({
      dir: path.join(run.dir, 'stack'),
      fresh: true,
      ports: { postgres: 0, redis: 0, neonWs: 0, neonHttp: 0, upstash: 0 },
      honourEnv: false,
    });
    shutdown.defer(() => stack.stop());
    log(`stack up (${stack.postgresKind}); seeding ${f0(o.recordings)} recordings`);
    const seededAt = performance.now();
    const data = await seedRecordings(stack.endpoints.databaseUrl, o.recordings);
    log(`seeded in ${f1((performance.now() - seededAt) / 1000)} s (${f0(data.meetings)} meetings; migration 0015's backfill ${f1(data.backfillMs / 1000)} s of it)`);

    const secret = randomBytes(20).toString('hex');
    const worker = await startWorker(
      { script, toml, bindings: { ...workerBindings(stack.endpoints), LOADBALANCER_SECRET: secret }, logFile: path.join(run.dir, 'worker.log') },
      shutdown,
    );
    log(`worker ready on ${worker.base}; ${o.requests} requests per scenario, ${o.concurrency} at a time`);

    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS.filter((s) => s.name.includes(o.only))) {
      const r = await measureScenario({ base: worker.base, secret, checksum: 'sha1', stack, data }, scenario, o);
      results.push(r);
      log(`${scenario.name.padEnd(44)} p50 ${f1(r.p50)} ms  p95 ${f1(r.p95)} ms  ${f0(r.rps)} req/s  SQL p50 ${f1(r.queryP50)} ms  pg ${f2(r.postgresPerCall)}/call${r.failures.length ? `  FAILURES ${r.failures.join(' / ')}` : ''}`);
    }

    console.log(`\ngetRecordings over ${f0(o.recordings)} recordings (${o.concurrency} concurrent requests, ${o.requests} per scenario)\n`);
    console.log(
      table(
        ['query', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'SQL alone p50 ms', 'recordings/answer', 'Postgres round trips/call', 'Redis/call'],
        results.map((r) => [r.name, f1(r.p50), f1(r.p95), f1(r.p99), f0(r.rps), f1(r.queryP50), f1(r.recordingsPerAnswer), f2(r.postgresPerCall), f2(r.redisPerCall)]),
      ),
    );
    const file = path.join(run.benchRoot, `recordings-${run.stamp}.json`);
    writeFileSync(file, JSON.stringify({ options: o, postgres: stack.postgresKind, results }, null, 2));
    log(`results in ${path.relative(ROOT, file)}`);
    return results.some((r) => r.failures.length) ? 1 : 0;
  } finally {
    await shutdown.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench:recordings: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
