/**
 * Everything under test brought up and ready to measure: the Worker bundle in workerd with private
 * Postgres, Redis, bridges and simulated nodes, the data it needs, and the load generator. Every
 * part started is handed to the shutdown as soon as it runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../scripts/stack/net.js';
import { startPrivateStack, workerBindings, type Stack } from '../../scripts/stack/stack.js';
import { startSimulator, type Simulator } from '../support/bbb-sim/simulator.js';
import { bundle, readWranglerToml } from './bundle';
import { childLoadGenerator, inlineLoadGenerator, type LoadGenerator } from './loadgen-host';
import { log } from './log';
import type { Options } from './options';
import { ROOT } from './paths';
import { pinProcesses, type GroupRoots } from './procstat';
import { errorCount, type LoadJob, type RouteName } from './requests';
import { createMeetings, registerNodes } from './seed';
import type { Shutdown } from './shutdown';
import { startWorker, type WorkerOutput } from './workerd';

export interface Bench {
  /** The bundle workerd runs, for the profile's source modules. */
  script: string;
  output: WorkerOutput;
  /** Only with --profile. */
  inspectorPort: number | undefined;
  stack: Stack;
  sim: Simulator;
  loadgen: LoadGenerator;
  /** The process groups whose CPU is accounted. */
  roots: GroupRoots;
  pinning: { pinned: boolean; note: string };
  /** A load run of one call against the Worker, with the run's secret, checksums and meetings. */
  job(route: RouteName, durationSec: number, uniquePrefix: string): LoadJob;
}

export async function setUp(o: Options, dir: string, shutdown: Shutdown): Promise<Bench> {
  // 1. The Worker bundle, exactly as `wrangler deploy` would build it.
  const toml = readWranglerToml(path.join(ROOT, 'wrangler.toml'));
  const script = await bundle(path.join(dir, 'bundle'), path.join(dir, 'wrangler.log'));
  log(`bundled test/bench/worker.ts with wrangler deploy --dry-run`);

  // 2. Private Postgres + Redis + bridges, and the simulated nodes.
  const stack = await startPrivateStack(path.join(dir, 'stack'));
  shutdown.defer(() => stack.stop());
  const sim = await startSimulator({ nodes: o.nodes });
  shutdown.defer(() => sim.stop());
  log(`stack up (${stack.postgresKind} + redis-server), ${o.nodes} simulated nodes`);

  // 3. The Worker in workerd.
  const secret = randomBytes(20).toString('hex');
  // The inspector only for --profile: it is dev tooling and stays out of every measured run.
  const inspectorPort = o.profile ? await freePort() : undefined;
  const worker = await startWorker(
    {
      script,
      toml,
      // METRICS_TOKEN turns the request counters on: every call is measured with observability on
      // (one log line per request, counters batched and flushed as in production).
      bindings: { ...workerBindings(stack.endpoints), LOADBALANCER_SECRET: secret, METRICS_TOKEN: randomBytes(16).toString('hex'), ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}) },
      logFile: path.join(dir, 'worker.log'),
      inspectorPort,
    },
    shutdown,
  );
  log(`worker ready on ${worker.base} (workerd, direct socket)`);

  // 4. The nodes, and 5. the meetings.
  await registerNodes(worker, secret, sim);
  log(`${o.nodes} servers registered, enabled and polled`);
  const meetingIDs = await createMeetings(worker.base, secret, o.checksum, o.meetings, stack.endpoints);
  log(`${o.meetings} meetings created`);

  // 6. The load generator, and the process groups whose CPU is accounted.
  const loadgen = o.loadgen === 'child' ? await childLoadGenerator() : inlineLoadGenerator();
  shutdown.defer(() => loadgen.stop());
  const postmasterFile = path.join(dir, 'stack', 'pg', 'data', 'postmaster.pid');
  const postmaster = existsSync(postmasterFile) ? Number(readFileSync(postmasterFile, 'utf8').split('\n')[0]) : undefined;
  const roots: GroupRoots = { self: process.pid, ...(loadgen.pid ? { loadgen: loadgen.pid } : {}), ...(postmaster ? { postmaster } : {}) };
  const pinning = o.pin ? pinProcesses(roots) : { pinned: false, note: 'processes not pinned to CPUs' };
  if (o.pin) log(pinning.note);

  const job = (route: RouteName, durationSec: number, uniquePrefix: string): LoadJob => ({
    baseUrl: worker.base,
    route,
    secret,
    checksum: o.checksum,
    meetingIDs,
    uniquePrefix,
    connections: o.connections,
    durationSec,
    ...(o.rate ? { rate: o.rate } : {}),
  });

  // One short sequential check per call, so a broken setup fails in seconds, not minutes.
  for (const route of o.routes) {
    const r = await loadgen.run({ ...job(route, 1, `check-${route}`), connections: 1 });
    if (errorCount(r.tally) > 0 || r.responses === 0 || r.socketErrors > 0) {
      throw new Error(`${route} does not answer as expected: ${r.tally.samples.join(' / ') || `${r.responses} answers, ${r.socketErrors} socket errors`}`);
    }
  }
  log('every call answers as expected; measuring');

  return { script, output: worker.output, inspectorPort, stack, sim, loadgen, roots, pinning, job };
}
