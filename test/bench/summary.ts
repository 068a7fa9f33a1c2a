/** Statistics over the measured windows: per call, across rounds, and against the ceilings of the same run. */
import type { Counts } from './counts';
import type { LoadResult } from './loadgen';
import type { CpuSnapshot } from './procstat';
import { errorCount, newTally, type RouteName, type Tally } from './requests';

/** One measured window: one call in one round. */
export interface Sample {
  round: number;
  route: RouteName;
  result: LoadResult;
  counts: Counts;
  cpu: CpuSnapshot;
  /** CPU other processes on the machine used during the window, in cores (0.5 = half a core). */
  foreignCores: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface RouteSummary {
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
  /** The Worker's (workerd's) CPU per call, over all rounds and per round. */
  workerMs: number;
  workerMsByRound: number[];
  /** Worker CPU per call ÷ the one-GET ceiling's: over all rounds, and per round (same run). */
  cpuRatioRedis1: number;
  cpuRatioRedis1ByRound: number[];
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

export function summarize(samples: Sample[], routes: RouteName[], rounds: number): RouteSummary[] {
  const rps = (s: Sample) => s.result.responses / s.result.seconds;
  const byRound = (route: RouteName) =>
    Array.from({ length: rounds }, (_, r) => samples.find((s) => s.round === r + 1 && s.route === route));
  const roundRps = (route: RouteName) => byRound(route).map((s) => (s ? rps(s) : NaN));
  const staticRps = roundRps('static');
  const redis1Rps = roundRps('redis1');
  const roundWorkerMs = (route: RouteName) => byRound(route).map((s) => (s ? (s.cpu.workerd ?? NaN) / s.result.responses : NaN));
  const redis1WorkerMs = roundWorkerMs('redis1');
  const redis1Mine = samples.filter((s) => s.route === 'redis1');
  const redis1WorkerTotal = redis1Mine.reduce((a, s) => a + (s.cpu.workerd ?? 0), 0) / redis1Mine.reduce((a, s) => a + s.result.responses, 0);
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
    const workerMsByRound = roundWorkerMs(route);
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
      workerMs: cpu.workerd ?? NaN,
      workerMsByRound,
      cpuRatioRedis1: (cpu.workerd ?? NaN) / redis1WorkerTotal,
      cpuRatioRedis1ByRound: workerMsByRound.map((v, i) => v / redis1WorkerMs[i]!),
      foreignCoresByRound: byRound(route).map((s) => (s ? s.foreignCores : NaN)),
    };
  });
}

function sumRps(samples: Sample[], route: RouteName): number {
  const mine = samples.filter((s) => s.route === route);
  return mine.reduce((a, s) => a + s.result.responses, 0) / mine.reduce((a, s) => a + s.result.seconds, 0);
}
