/** `--profile <call>`: the Worker's CPU profile under one call's load, instead of the rounds. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { f0 } from './format';
import { log } from './log';
import type { Options } from './options';
import { ROOT, type RunPaths } from './paths';
import { inspectorTarget, Profiler, summarizeProfile } from './profile';
import { errorCount, type RouteName } from './requests';
import type { Bench } from './setup';
import { WORKER_NAME } from './workerd';

/** Prints the summary and writes the .cpuprofile; the exit code: 1 if the call had errors. */
export async function profileRun(bench: Bench, route: RouteName, o: Options, run: RunPaths): Promise<number> {
  const { loadgen, job } = bench;
  if (o.warmup > 0) await loadgen.run(job(route, o.warmup, `w-${run.stamp}`));
  const profiler = await Profiler.connect(await inspectorTarget(bench.inspectorPort!, WORKER_NAME));
  await profiler.start(100);
  const result = await loadgen.run(job(route, o.duration, `p-${run.stamp}`));
  const profile = await profiler.stop();
  profiler.close();
  const file = path.join(run.benchRoot, `profile-${route}-${run.stamp}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`\n${route} under the profiler: ${f0(result.responses / result.seconds)} req/s (inspector on: not comparable with the table)\n`);
  console.log(summarizeProfile(profile, bench.script, result.responses));
  log(`profile written to ${path.relative(ROOT, file)} (open in Chrome DevTools or speedscope)`);
  return errorCount(result.tally) > 0 ? 1 : 0;
}
