/**
 * One getRecordings scenario under a fixed concurrency: every answer's latency (request sent to
 * body read), the recordings it returned, and the storage round trips at the bridges.
 */
import type { Stack } from '../../scripts/stack/stack.js';
import type { Simulator } from '../support/bbb-sim/simulator.js';
import { readCounts, resetCounts } from './counts';
import type { ChecksumAlg } from './requests';
import { signedPath } from './requests';
import type { Scenario, ScenarioData } from './recordings-scenarios';
import { percentile } from './summary';

export interface ScenarioResult {
  name: string;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  recordingsPerAnswer: number;
  postgresPerCall: number;
  redisPerCall: number;
  failures: string[];
}

export interface MeasureTarget {
  base: string;
  secret: string;
  checksum: ChecksumAlg;
  stack: Stack;
  data: ScenarioData;
}

// The bench starts no BBB nodes: the counters read only the bridges.
const NO_NODES = { nodes: [], controlUrl: '' } as unknown as Simulator;

export async function measureScenario(t: MeasureTarget, s: Scenario, o: { requests: number; warmup: number; concurrency: number }): Promise<ScenarioResult> {
  const failures: string[] = [];
  let recordings = 0;
  const one = async (n: number, latencies?: number[]) => {
    const started = performance.now();
    const res = await fetch(t.base + signedPath('getRecordings', s.params(n, t.data), t.secret, t.checksum));
    const body = await res.text();
    latencies?.push(performance.now() - started);
    if (res.status !== 200 || !body.includes('<returncode>SUCCESS</returncode>')) {
      if (failures.length < 5) failures.push(`HTTP ${res.status} ${body.slice(0, 200)}`);
    } else if (latencies) recordings += body.split('<recording>').length - 1;
  };
  const run = async (count: number, offset: number, latencies?: number[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (let n = next++; n < count; n = next++) await one(offset + n, latencies);
      }),
    );
  };
  await run(o.warmup, 1_000_000);
  await resetCounts(t.stack, NO_NODES);
  const latencies: number[] = [];
  const started = performance.now();
  await run(o.requests, 0, latencies);
  const seconds = (performance.now() - started) / 1000;
  const counts = await readCounts(t.stack, NO_NODES);
  latencies.sort((a, b) => a - b);
  return {
    name: s.name,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    rps: latencies.length / seconds,
    recordingsPerAnswer: recordings / latencies.length,
    postgresPerCall: counts.postgres / latencies.length,
    redisPerCall: counts.redis / latencies.length,
    failures,
  };
}
