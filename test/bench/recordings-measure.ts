/**
 * One getRecordings scenario under a fixed concurrency: every answer's latency (request sent to
 * body read), the recordings it returned, and the storage round trips at the bridges; then the
 * same queries' SQL alone (the store's statement over the Neon HTTP bridge, from Node), which
 * splits an answer's time between Postgres and the Worker's own work (mostly rendering XML).
 */
import { createSql } from '../../src/store/postgres.js';
import type { RecordingsConfig } from '../../src/config.js';
import { parseRecordingsQuery, recordingsWindow } from '../../src/recordings/query.js';
import { findRecordingsAnswer } from '../../src/store/recordings.js';
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
  /** p50 of the statement alone. */
  queryP50: number;
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

export interface MeasureOptions {
  requests: number;
  warmup: number;
  concurrency: number;
}

// The bench starts no BBB nodes: the counters read only the bridges.
const NO_NODES = { nodes: [], controlUrl: '' } as unknown as Simulator;
const QUERY_CONFIG = { requireFilter: false } as RecordingsConfig;

/** `count` calls of `one(n)` (n from `first`), `concurrency` at a time; each call's ms, sorted. */
async function timed(count: number, first: number, concurrency: number, one: (n: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < count; n = next++) {
        const started = performance.now();
        await one(first + n);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

export async function measureScenario(t: MeasureTarget, s: Scenario, o: MeasureOptions): Promise<ScenarioResult> {
  const failures: string[] = [];
  let recordings = 0;
  const call = async (n: number) => {
    const res = await fetch(t.base + signedPath('getRecordings', s.params(n, t.data), t.secret, t.checksum));
    const body = await res.text();
    if (res.status !== 200 || !body.includes('<returncode>SUCCESS</returncode>')) {
      if (failures.length < 5) failures.push(`HTTP ${res.status} ${body.slice(0, 200)}`);
    } else recordings += body.split('<recording>').length - 1;
  };
  await timed(o.warmup, 1_000_000, o.concurrency, call);
  recordings = 0;
  await resetCounts(t.stack, NO_NODES);
  const started = performance.now();
  const latencies = await timed(o.requests, 0, o.concurrency, call);
  const seconds = (performance.now() - started) / 1000;
  const counts = await readCounts(t.stack, NO_NODES);

  const sql = createSql({ databaseUrl: t.stack.endpoints.databaseUrl, neonHttpEndpoint: t.stack.endpoints.neonHttpEndpoint, neonWsProxy: '' });
  const query = async (n: number) => {
    const q = parseRecordingsQuery(s.params(n, t.data), QUERY_CONFIG);
    await findRecordingsAnswer(sql, 'default', q.filter, recordingsWindow(q), false);
  };
  const queries = await timed(o.requests, 0, o.concurrency, query);

  return {
    name: s.name,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    rps: latencies.length / seconds,
    queryP50: percentile(queries, 50),
    recordingsPerAnswer: recordings / latencies.length,
    postgresPerCall: counts.postgres / latencies.length,
    redisPerCall: counts.redis / latencies.length,
    failures,
  };
}
