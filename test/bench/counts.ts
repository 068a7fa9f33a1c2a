/** Counters read around each measurement: storage round trips at the bridges, backend calls at the simulated nodes. */
import type { Stack } from '../../scripts/stack/stack.js';
import type { Simulator } from '../support/bbb-sim/simulator.js';

export interface Counts {
  redis: number;
  postgres: number;
  nodeCalls: number;
  nodeCallsByName: Record<string, number>;
}

export async function resetCounts(stack: Stack, sim: Simulator): Promise<void> {
  await Promise.all([
    ...Object.values(stack.counters).map((base) => fetch(`${base}/__counters`, { method: 'DELETE' }).then((r) => r.arrayBuffer())),
    ...sim.nodes.map((n) => fetch(`${sim.controlUrl}/nodes/${n.id}/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer())),
  ]);
}

export async function readCounts(stack: Stack, sim: Simulator): Promise<Counts> {
  const get = async <T>(url: string) => (await (await fetch(url)).json()) as T;
  type BridgeCounters = { requests: number; queries?: number };
  const [upstash, neonHttp, neonWs] = await Promise.all([
    get<BridgeCounters>(`${stack.counters.upstash}/__counters`),
    get<BridgeCounters>(`${stack.counters.neonHttp}/__counters`),
    get<BridgeCounters>(`${stack.counters.neonWs}/__counters`),
  ]);
  const calls = await Promise.all(
    sim.nodes.map((n) => get<{ total: number; counts: Record<string, number> }>(`${sim.controlUrl}/nodes/${n.id}/calls`)),
  );
  const byName: Record<string, number> = {};
  for (const c of calls) for (const [name, count] of Object.entries(c.counts)) byName[name] = (byName[name] ?? 0) + count;
  return {
    // One HTTP request to the Upstash REST bridge is one round trip (a pipeline is one request).
    redis: upstash.requests,
    // One Neon HTTP /sql request, or one query over the WebSocket relay, is one round trip.
    postgres: neonHttp.requests + (neonWs.queries ?? 0),
    nodeCalls: calls.reduce((a, c) => a + c.total, 0),
    nodeCallsByName: byName,
  };
}
