/** One measured poll cycle: wall time, workerd CPU, storage round trips and node calls. */
import { cpuDelta, cpuSnapshot } from '../procstat';
import { counts, resetCounts, runCron, type Cluster } from './setup';

export interface CycleResult {
  wallMs: number;
  /** CPU of the workerd process: the coordinator and every shard invocation. */
  cpuMs: number;
  redis: number;
  /** The largest Redis request body: the cycle's one apply. */
  redisLargestBytes: number;
  postgres: number;
  nodeCalls: number;
  getMeetings: number;
}

export async function measureCycle(cluster: Cluster, label: string): Promise<CycleResult> {
  const worker = cluster.workers.get(label)!;
  await resetCounts(cluster);
  const roots = { self: process.pid };
  const before = cpuSnapshot(roots);
  const started = performance.now();
  await runCron(worker);
  const wallMs = performance.now() - started;
  const cpu = cpuDelta(before, cpuSnapshot(roots));
  const c = await counts(cluster);
  return { wallMs, cpuMs: cpu.workerd ?? 0, redis: c.redis, redisLargestBytes: c.redisLargestBytes, postgres: c.postgres, nodeCalls: c.node, getMeetings: c.byCall.getMeetings ?? 0 };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
