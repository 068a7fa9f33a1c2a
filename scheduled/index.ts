import { describeError, log } from '../src/observability/log.js';
import { withRequest } from '../src/observability/request-context.js';
import { services } from '../src/services.js';
import { deliverCallbacks } from './callbacks.js';
import { shardFanOut } from '../src/cluster/poll-fan-out.js';
import { poll } from '../src/cluster/poll.js';
import { retention } from './retention.js';

/** Cron Trigger entry: every minute, one poll cycle of the pool. */
export async function scheduled(_controller: ScheduledController, env: object, ctx: ExecutionContext): Promise<void> {
  // Beside the poll, never behind it: a slow pool must not delay callbacks, nor their failure the poll.
  // Each run has an id of its own for its log lines, as the poll below.
  ctx.waitUntil(withRequest({ id: `callbacks-${crypto.randomUUID()}` }, () => deliverCallbacks(services(env))));
  ctx.waitUntil(withRequest({ id: `retention-${crypto.randomUUID()}` }, () => retention(services(env))));
  // The cycle gets an id of its own, so its log lines (and its shards') can be followed like a request's.
  await withRequest({ id: `poll-${crypto.randomUUID()}` }, async () => {
    try {
      const report = await poll(services(env), Date.now(), shardFanOut(env));
      if (report.skipped) log('info', 'poll skipped: another poll is running');
      else log(report.online < report.servers ? 'warn' : 'info', 'poll', { ...report });
    } catch (e) {
      // Thrown on, so the cron run shows as failed; the next run polls again.
      log('error', 'poll failed', { error: describeError(e) });
      throw e;
    }
  });
}
