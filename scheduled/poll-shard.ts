import { WorkerEntrypoint } from 'cloudflare:workers';
import { services } from '../src/services.js';
import { pollServers, type PollTarget, type ServerPoll } from './poll-servers.js';

/**
 * One shard of a poll cycle, run by another invocation of this Worker through a service binding
 * to itself (POLL_SHARD). Each invocation has its own 6 simultaneous connections and subrequest
 * budget, so a large pool is polled in parallel; the coordinator keeps the lock and writes the
 * whole cycle to Redis in one round trip. RPC only: not reachable over HTTP.
 */
export class PollShard extends WorkerEntrypoint<object> {
  async poll(targets: PollTarget[], now: number): Promise<[string, ServerPoll][]> {
    return pollServers(services(this.env).cfg, targets, now);
  }
}

interface ShardBinding {
  poll(targets: PollTarget[], now: number): Promise<[string, ServerPoll][]>;
}

/** The fan-out for `poll`, when the Worker is bound to its own PollShard entrypoint. */
export function shardFanOut(env: object) {
  const binding = (env as { POLL_SHARD?: ShardBinding }).POLL_SHARD;
  return binding ? (targets: PollTarget[], now: number) => binding.poll(targets, now) : undefined;
}
