import { WorkerEntrypoint } from 'cloudflare:workers';
import { pollServers, type PollTarget, type ServerPoll } from '../src/cluster/poll-servers.js';
import type { Bindings } from '../src/http/env.js';
import { services } from '../src/services.js';

/**
 * One shard of a poll cycle, run by another invocation of this Worker through a service binding
 * to itself (POLL_SHARD, src/cluster/poll-fan-out.ts). Each invocation has its own 6 simultaneous
 * connections and subrequest budget, so a large pool is polled in parallel; the coordinator keeps
 * the lock and writes the whole cycle to Redis in one round trip. RPC only: not reachable over HTTP.
 */
export class PollShard extends WorkerEntrypoint<Bindings> {
  async poll(targets: PollTarget[], now: number): Promise<[string, ServerPoll][]> {
    return pollServers(services(this.env).cfg, targets, now);
  }
}
