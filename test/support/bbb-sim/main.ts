// CLI: npm run simulator -- --nodes 3 --control-port 29000 --base-port 29001 [--host 127.0.0.1]
// Prints {controlUrl, nodes: [{id, url, secret, port}]} as JSON and runs until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startSimulator, type NodeSpec } from './simulator';

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number`);
  return n;
}

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    'control-port': { type: 'string' },
    'base-port': { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 0) throw new Error('--nodes must be a non-negative integer');
const basePort = port(values['base-port'], 'base-port');
const nodes: number | NodeSpec[] = basePort === undefined ? count : Array.from({ length: count }, (_, i) => ({ port: basePort + i }));

const sim = await startSimulator({ nodes, controlPort: port(values['control-port'], 'control-port'), host: values.host });
console.log(JSON.stringify({ controlUrl: sim.controlUrl, nodes: sim.nodes }, null, 2));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
