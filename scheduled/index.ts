import { services } from '../src/services.js';
import { poll } from './poll.js';
import { shardFanOut } from './poll-shard.js';

/** Cron Trigger entry: every minute, one poll cycle of the pool. */
export async function scheduled(_controller: ScheduledController, env: object, _ctx: ExecutionContext): Promise<void> {
  const report = await poll(services(env), Date.now(), shardFanOut(env));
  console.log(
    report.skipped
      ? 'poll skipped: another poll is running'
      : `poll: ${report.online}/${report.servers} servers online, ${report.meetings} meetings, ${report.removed} routes reconciled, ` +
          `${report.panicked} meetings auto-panicked, ${report.shards} shards, ${report.ms} ms`,
  );
}
