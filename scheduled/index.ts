import { services } from '../src/services.js';
import { deliverCallbacks } from './callbacks.js';
import { poll } from './poll.js';
import { shardFanOut } from './poll-shard.js';
import { retention } from './retention.js';

/** Cron Trigger entry: every minute, one poll cycle of the pool. */
export async function scheduled(_controller: ScheduledController, env: object, ctx: ExecutionContext): Promise<void> {
  // Beside the poll, never behind it: a slow pool must not delay callbacks, nor their failure the poll.
  ctx.waitUntil(deliverCallbacks(services(env)));
  ctx.waitUntil(retention(services(env)));
  const report = await poll(services(env), Date.now(), shardFanOut(env));
  console.log(
    report.skipped
      ? 'poll skipped: another poll is running'
      : `poll: ${report.online}/${report.servers} servers online, ${report.meetings} meetings, ${report.removed} routes reconciled, ` +
          `${report.panicked} meetings auto-panicked, ${report.shards} shards, ${report.ms} ms`,
  );
}
