/**
 * The drill's private world: Postgres and Redis behind the Neon/Upstash bridges, three simulated
 * BBB nodes, a frontend's callback endpoint, and the real Worker bundle in workerd with R2 kept on
 * disk (R2 is the one store a Postgres or Redis disaster does not touch). Ports are ephemeral and
 * the directory is the run's own, so a drill never meets `npm run dev` or a test run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { bundle, readWranglerToml } from '../../test/bench/bundle.js';
import { runCron } from '../../test/bench/cluster/setup.js';
import { ROOT } from '../../test/bench/paths.js';
import type { Shutdown } from '../../test/bench/shutdown.js';
import { startWorker, type RunningWorker } from '../../test/bench/workerd.js';
import { startSimulator, type Simulator } from '../../test/support/bbb-sim/simulator.js';
import { startCallbackReceiver, type CallbackReceiver } from '../../test/support/callbacks-receiver.js';
import { waitFor } from '../stack/net.js';
import { type Stack, startPrivateStack, workerBindings } from '../stack/stack.js';

/** Tenants are told apart by the first label of the host, below this one. */
export const URL_HOST = 'lb.drill.test';

export interface Lab {
  dir: string;
  stack: Stack;
  sim: Simulator;
  receiver: CallbackReceiver;
  worker: RunningWorker;
  /** The deployment's configuration: what a restore keeps (it lives in wrangler secrets, not in the stores). */
  vars: Record<string, string>;
  /** Requests being answered, per deployment: a replaced one is stopped once it has answered them. */
  inFlight: Map<RunningWorker, number>;
  /** A version rolled out to a share (0–1) of new requests, as `wrangler versions deploy` with percentages. */
  canary: { worker: RunningWorker; share: number; answered: number; of: number } | null;
  /** The deployment a new request goes to: the canary for its share of requests, spread evenly. */
  pick(): RunningWorker;
  /** Starts an empty Postgres and Redis (a new stack directory); the next redeploy points the Worker at them. */
  replaceStorage(name: string): Promise<void>;
  /**
   * A new deployment with changed configuration, as Cloudflare does it: the new version takes every
   * new request, the old one finishes those it has, then goes.
   */
  redeploy(vars: Record<string, string>): Promise<void>;
  /** A new version of the same configuration takes `share` of new requests; the current one the rest. */
  rollOut(share: number): Promise<void>;
  /** The rolled-out version takes every new request; the old one finishes its own, then goes. */
  promote(): Promise<void>;
  /** One Cron Trigger run; its waitUntil work (callbacks) may still be going on. */
  cron(): Promise<void>;
}

export async function startLab(dir: string, shutdown: Shutdown): Promise<Lab> {
  const stackDir = (name: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const [stack, sim, receiver, script] = await Promise.all([
    startPrivateStack(stackDir('stack-1')),
    startSimulator({ nodes: 3 }),
    startCallbackReceiver(),
    bundle(dir, path.join(dir, 'bundle.log')),
  ]);
  shutdown.defer(() => stack.stop());
  shutdown.defer(() => sim.stop());
  shutdown.defer(() => receiver.stop());
  const vars: Record<string, string> = {
    LOADBALANCER_SECRET: randomBytes(20).toString('hex'),
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    MULTITENANCY_ENABLED: 'true',
    URL_HOST,
    // The frontend's callback endpoint runs on this machine.
    CALLBACK_ALLOW_PRIVATE_URLS: 'true',
  };
  const toml = readWranglerToml(path.join(ROOT, 'wrangler.toml'));
  let deployments = 0;
  const deploy = (endpoints: Stack['endpoints'], vars: Record<string, string>) =>
    startWorker(
      {
        script,
        toml,
        bindings: { ...workerBindings(endpoints), ...vars },
        logFile: path.join(dir, `worker-${++deployments}.log`),
        r2Persist: path.join(dir, 'r2'),
        // The drill prints its own steps; the Worker's log stays in the run directory.
        echo: 0,
      },
      shutdown,
    );
  const retire = async (old: RunningWorker) => {
    await waitFor('the old deployment to finish its requests', async () => ((lab.inFlight.get(old) ?? 0) === 0 || undefined), 30_000);
    lab.inFlight.delete(old);
    await old.dispose();
  };
  let requests = 0;
  const lab: Lab = {
    dir,
    stack,
    sim,
    receiver,
    worker: await deploy(stack.endpoints, vars),
    vars,
    inFlight: new Map(),
    canary: null,
    pick() {
      const n = requests++;
      const c = lab.canary;
      if (!c) return lab.worker;
      const canary = Math.floor((n + 1) * c.share) > Math.floor(n * c.share);
      c.of++;
      if (canary) c.answered++;
      return canary ? c.worker : lab.worker;
    },
    async replaceStorage(name) {
      lab.stack = await startPrivateStack(stackDir(name));
      const replaced = lab.stack;
      shutdown.defer(() => replaced.stop());
    },
    async redeploy(changed) {
      lab.vars = { ...lab.vars, ...changed };
      const old = lab.worker;
      lab.worker = await deploy(lab.stack.endpoints, lab.vars);
      await retire(old);
    },
    async rollOut(share) {
      lab.canary = { worker: lab.canary?.worker ?? (await deploy(lab.stack.endpoints, lab.vars)), share, answered: 0, of: 0 };
    },
    async promote() {
      const old = lab.worker;
      lab.worker = lab.canary!.worker;
      lab.canary = null;
      await retire(old);
    },
    cron: () => runCron(lab.worker),
  };
  return lab;
}
