import type { PollTarget, ServerPoll } from './poll-servers.js';

/** The Worker's own PollShard entrypoint (scheduled/poll-shard.ts), reached by RPC through POLL_SHARD. */
export interface ShardBinding {
  poll(targets: PollTarget[], now: number): Promise<[string, ServerPoll][]>;
}

/** The fan-out for `poll`, when the Worker is bound to its own PollShard entrypoint. */
export function shardFanOut(env: { POLL_SHARD?: ShardBinding }) {
  const binding = env.POLL_SHARD;
  return binding ? (targets: PollTarget[], now: number) => binding.poll(targets, now) : undefined;
}
