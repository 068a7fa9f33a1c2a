/**
 * `npm run bench`: throughput and latency of join, create, getMeetingInfo and isMeetingRunning
 * against the real Worker running in workerd with no dev tooling in the request path, next to
 * two ceilings measured in the same run and the same Worker (a static 302, and one Upstash GET
 * then a 302). See docs/benchmarks.md for what is measured, how, and what the numbers mean.
 *
 *   npm run bench -- [--duration 10] [--warmup 3] [--rounds 2] [--connections 32]
 *                    [--meetings 200] [--nodes 5] [--loadgen child|inline]
 *                    [--routes static,redis1,join,...] [--diagnose] [--checksum sha1|sha256]
 *                    [--pin] [--keep] [--profile <call>] [--quick]
 *
 * `--quick`: the two ceilings and join, 2 short rounds, Worker CPU ratios: under a minute.
 *
 * The parts are in test/bench/: options, setup (bundle, workerd, stack, seed, load generator),
 * measure, profile-run, summary and report; shutdown stops everything on any way out.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { log } from '../test/bench/log.js';
import { measureRounds } from '../test/bench/measure.js';
import { parseOptions } from '../test/bench/options.js';
import { ROOT, runPaths } from '../test/bench/paths.js';
import { profileRun } from '../test/bench/profile-run.js';
import { publish } from '../test/bench/report.js';
import { setUp } from '../test/bench/setup.js';
import { Shutdown } from '../test/bench/shutdown.js';

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const budgetSec = o.profile ? 60 + o.duration + o.warmup : 45 + o.rounds * o.routes.length * (o.duration + o.warmup + 2);
  if (o.profile) log(`CPU profile of the Worker under ${o.profile}: ${o.warmup} s warm-up + ${o.duration} s`);
  else log(`${o.routes.length} calls × ${o.rounds} round(s) × (${o.warmup} s warm-up + ${o.duration} s); about ${Math.ceil(budgetSec / 60)} min`);

  const run = runPaths();
  const shutdown = new Shutdown(budgetSec);
  // Registered first, so it runs last: after everything writing into the run directory has stopped.
  shutdown.defer(async () => {
    if (!o.keep) rmSync(run.dir, { recursive: true, force: true });
    else log(`kept ${path.relative(ROOT, run.dir)}`);
  });
  try {
    const bench = await setUp(o, run.dir, shutdown);
    if (o.profile) return await profileRun(bench, o.profile, o, run);
    const samples = await measureRounds(bench, o, run.stamp);
    return publish(samples, o, {
      pinning: bench.pinning.note,
      workerOutputLines: bench.output.lines,
      resultsFile: path.join(run.benchRoot, `results-${run.stamp}.json`),
    });
  } finally {
    await shutdown.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
