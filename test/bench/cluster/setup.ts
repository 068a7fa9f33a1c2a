/**
 * The cluster benchmarks' rig: the bench bundle of the real Worker in workerd (one Miniflare per
 * configuration, each bound to its own PollShard entrypoint as wrangler.toml binds it), private
 * Postgres, Redis and bridges, and many simulated nodes registered straight into Postgres (the
 * admin API would cost two calls per node; what is measured is the poll, not registration).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { startPrivateStack, workerBindings, type Stack } from '../../../scripts/stack/stack.js';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator.js';
import { bundle, readWranglerToml } from '../bundle';
import { log } from '../log';
import { ROOT } from '../paths';
import type { Shutdown } from '../shutdown';
import { startWorker, type RunningWorker } from '../workerd';

export interface Cluster {
  stack: Stack;
  sim: Simulator;
  secret: string;
  /** One Worker per configuration, by label. */
  workers: Map<string, RunningWorker>;
}

export async function startCluster(o: {
  dir: string;
  nodes: number;
  /** Worker settings per configuration label. */
  configs: Record<string, Record<string, string>>;
  shutdown: Shutdown;
}): Promise<Cluster> {
  const toml = readWranglerToml(path.join(ROOT, 'wrangler.toml'));
  const script = await bundle(path.join(o.dir, 'bundle'), path.join(o.dir, 'wrangler.log'));
  const stack = await startPrivateStack(path.join(o.dir, 'stack'));
  o.shutdown.defer(() => stack.stop());
  const sim = await startSimulator({ nodes: o.nodes });
  o.shutdown.defer(() => sim.stop());
  await registerEnabled(stack, sim);
  log(`stack up, ${o.nodes} simulated nodes registered and enabled`);

  const secret = randomBytes(20).toString('hex');
  const workers = new Map<string, RunningWorker>();
  for (const [label, vars] of Object.entries(o.configs)) {
    const worker = await startWorker(
      {
        script,
        toml,
        name: `scaleflare-${label}`,
        bindings: { ...workerBindings(stack.endpoints), LOADBALANCER_SECRET: secret, ...vars },
        logFile: path.join(o.dir, `worker-${label}.log`),
      },
      o.shutdown,
    );
    workers.set(label, worker);
  }
  log(`workers ready: ${[...workers.keys()].join(', ')}`);
  return { stack, sim, secret, workers };
}

async function registerEnabled(stack: Stack, sim: Simulator): Promise<void> {
  const client = new pg.Client({ connectionString: stack.endpoints.databaseUrl });
  await client.connect();
  try {
    const nodes = sim.nodes;
    await client.query(
      `INSERT INTO servers (id, url, secret, state) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, url, secret), (VALUES ('enabled')) AS s(state)`,
      [nodes.map((n) => n.id), nodes.map((n) => n.url), nodes.map((n) => n.secret)],
    );
  } finally {
    await client.end();
  }
}

/** One cron invocation of a Worker, as Cloudflare runs it. */
export async function runCron(worker: RunningWorker): Promise<void> {
  const result = await (await worker.mf.getWorker(worker.name)).scheduled({ cron: '* * * * *' });
  if (result.outcome !== 'ok') throw new Error(`scheduled: outcome ${result.outcome}`);
}

/** Storage round trips at the bridges and backend calls at the nodes, since the last reset. */
export async function counts(
  cluster: Cluster,
): Promise<{ redis: number; redisLargestBytes: number; postgres: number; node: number; byCall: Record<string, number> }> {
  const get = async (base: string) =>
    (await (await fetch(`${base}/__counters`)).json()) as { requests: number; queries?: number; largestRequestBytes?: number };
  const { upstash, neonHttp, neonWs } = cluster.stack.counters;
  const [u, h, w] = await Promise.all([get(upstash), get(neonHttp), get(neonWs)]);
  const byCall: Record<string, number> = {};
  let node = 0;
  for (const info of cluster.sim.nodes) {
    const snapshot = cluster.sim.node(info.id).callLog();
    node += snapshot.total;
    for (const [call, n] of Object.entries(snapshot.counts)) byCall[call] = (byCall[call] ?? 0) + n;
  }
  return { redis: u.requests, redisLargestBytes: u.largestRequestBytes ?? 0, postgres: h.requests + (w.queries ?? 0), node, byCall };
}

export async function resetCounts(cluster: Cluster): Promise<void> {
  await Promise.all(Object.values(cluster.stack.counters).map((base) => fetch(`${base}/__counters`, { method: 'DELETE' })));
  for (const info of cluster.sim.nodes) cluster.sim.node(info.id).clearCalls();
}
