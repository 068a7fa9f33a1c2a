// Many simulated BBB nodes in one process, plus the control server that lets tests (including ones
// running inside workerd) drive them over HTTP.
import { startControlServer, type ControlServer } from './control';
import { SimError } from './errors';
import { SimNode, type SimNodeInfo } from './node';
import type { SeedOptions } from './store';

export type { SimNode, SimNodeInfo } from './node';

export interface NodeSpec {
  /** 0 or absent: an ephemeral port. */
  port?: number;
  /** Absent: a random 40-hex secret. */
  secret?: string;
  /** Absent: node-<n>. Used in control URLs, so [A-Za-z0-9._-] only. */
  id?: string;
}

export interface SimulatorOptions {
  nodes: number | NodeSpec[];
  /** Absent: an ephemeral port. */
  controlPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface Simulator {
  controlUrl: string;
  /** Current info of every node, in creation order. */
  readonly nodes: SimNodeInfo[];
  addNodes(nodes: number | NodeSpec[]): Promise<SimNodeInfo[]>;
  /** Throws (status 404) for an unknown id. */
  node(id: string): SimNode;
  /** Seeds every node; returns how many meetings were created in total. */
  seed(options: SeedOptions): number;
  /** All nodes: meetings, faults, call logs and settings back to how they started. Effective at once;
   *  the promise only matters for a node that was refusing connections and has to listen again. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_NODES_PER_CALL = 5_000;

class SimulatorImpl implements Simulator {
  controlUrl = '';
  private readonly byId = new Map<string, SimNode>();
  private counter = 0;
  private control: ControlServer | undefined;

  constructor(private readonly host: string) {}

  get nodes(): SimNodeInfo[] {
    return [...this.byId.values()].map((n) => n.info());
  }

  async startControl(port: number): Promise<void> {
    this.control = await startControlServer(this, this.host, port);
    this.controlUrl = `http://${this.host}:${this.control.port}`;
  }

  async addNodes(nodes: number | NodeSpec[]): Promise<SimNodeInfo[]> {
    const specs = typeof nodes === 'number' ? this.countToSpecs(nodes) : this.checkSpecs(nodes);
    const taken = new Set([...this.byId.keys(), ...specs.flatMap((s) => (s.id ? [s.id] : []))]);
    const created = specs.map((spec) => new SimNode(spec.id ?? this.freshId(taken), this.host, spec));
    const started = await Promise.allSettled(created.map((n) => n.start()));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all(created.map((n) => n.stop()));
      throw failure.reason;
    }
    for (const node of created) this.byId.set(node.id, node);
    return created.map((n) => n.info());
  }

  node(id: string): SimNode {
    const node = this.byId.get(id);
    if (!node) throw new SimError(404, `no node ${id}`);
    return node;
  }

  seed(options: SeedOptions): number {
    let total = 0;
    for (const node of this.byId.values()) total += node.seed(options).length;
    return total;
  }

  async reset(): Promise<void> {
    await Promise.all([...this.byId.values()].map((n) => n.reset()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byId.values()].map((n) => n.stop()));
    await this.control?.close();
  }

  private freshId(taken: Set<string>): string {
    let id: string;
    do id = `node-${++this.counter}`;
    while (taken.has(id));
    taken.add(id);
    return id;
  }

  private countToSpecs(count: number): NodeSpec[] {
    if (!Number.isInteger(count) || count < 0 || count > MAX_NODES_PER_CALL) {
      throw new SimError(400, `node count must be an integer between 0 and ${MAX_NODES_PER_CALL}`);
    }
    return Array.from({ length: count }, () => ({}));
  }

  private checkSpecs(specs: unknown): NodeSpec[] {
    if (!Array.isArray(specs) || specs.length > MAX_NODES_PER_CALL) {
      throw new SimError(400, `nodes must be an array of at most ${MAX_NODES_PER_CALL} node specs`);
    }
    const ids = new Set<string>();
    for (const spec of specs as unknown[]) {
      if (typeof spec !== 'object' || spec === null) throw new SimError(400, 'each node spec must be an object');
      const { port, secret, id } = spec as Record<string, unknown>;
      if (port !== undefined && (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)) {
        throw new SimError(400, 'port must be an integer between 0 and 65535');
      }
      if (secret !== undefined && typeof secret !== 'string') throw new SimError(400, 'secret must be a string');
      if (id !== undefined && (typeof id !== 'string' || !NODE_ID.test(id))) {
        throw new SimError(400, 'id must be 1-64 characters of [A-Za-z0-9._-]');
      }
      if (typeof id === 'string' && (this.byId.has(id) || ids.has(id))) throw new SimError(400, `node ${id} already exists`);
      if (typeof id === 'string') ids.add(id);
    }
    return specs as NodeSpec[];
  }
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = new SimulatorImpl(options.host ?? '127.0.0.1');
  await sim.startControl(options.controlPort ?? 0);
  try {
    await sim.addNodes(options.nodes);
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return sim;
}
