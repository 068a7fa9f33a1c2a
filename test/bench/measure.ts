/** The measurement: rounds over every call, each window with its counters and CPU per process group. */
import { setTimeout as sleep } from 'node:timers/promises';
import { readCounts, resetCounts } from './counts';
import { f0, f2 } from './format';
import { log } from './log';
import type { Options } from './options';
import { cpuDelta, cpuSnapshot, foreignMs } from './procstat';
import { errorCount } from './requests';
import type { Bench } from './setup';
import type { Sample } from './summary';

/** Every call in turn, the order reversed every other round against drift. */
export async function measureRounds(bench: Bench, o: Options, stamp: string): Promise<Sample[]> {
  const { stack, sim, roots, loadgen, job } = bench;
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
  return samples;
}
