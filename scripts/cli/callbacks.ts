import { DELIVERY_STATUSES, type CallbackDelivery, type Deliveries, type Retrying } from './api-types.js';
import { oneOf, positive, type Command } from './command.js';
import { print, table } from './output.js';
import { tenantOption, tenantQuery } from './resolve.js';

/** `scaleflare callbacks …`: a tenant's callback deliveries, and the pending ones sent now once the frontend is back. */

/** An attempt's outcome in one word: the error when it failed, else the HTTP status. */
const lastResult = (d: CallbackDelivery) => d.lastError ?? (d.lastStatus === null ? null : `HTTP ${d.lastStatus}`);

export const callbackCommands: Command[] = [
  {
    words: ['callbacks', 'list'],
    usage: '[--tenant <tenant id|name>] [--status pending|delivered|failed] [--limit <n>]',
    summary: "The tenant's recording-ready, end and analytics callbacks, newest first, and how their delivery went",
    options: { ...tenantOption, status: { type: 'string' }, limit: { type: 'string' } },
    args: [0, 0],
    run: async (inv) => {
      const status = oneOf(inv.values, 'status', DELIVERY_STATUSES);
      const limit = positive(inv.values, 'limit');
      const answer = await inv.client.call<Deliveries>('GET', `/callbacks${await tenantQuery(inv, { status, limit })}`);
      print(inv.out, answer, () =>
        answer.deliveries.length === 0
          ? `No ${status ? `${status} ` : ''}callbacks\n`
          : table(
              ['ID', 'KIND', 'STATUS', 'MEETING', 'RECORD', 'URL', 'ATTEMPTS', 'LAST RESULT', 'NEXT ATTEMPT'],
              answer.deliveries.map((d) => [d.id, d.kind, d.status, d.meetingID, d.recordID, d.url, d.attempts, lastResult(d), d.nextAttemptAt]),
            ),
      );
    },
  },
  {
    words: ['callbacks', 'retry'],
    usage: '[--tenant <tenant id|name>]',
    summary: "The frontend is back: attempt the tenant's pending callbacks now instead of after their backoff",
    options: tenantOption,
    args: [0, 0],
    run: async (inv) => {
      const answer = await inv.client.call<Retrying>('POST', `/callbacks/retry${await tenantQuery(inv)}`);
      print(inv.out, answer, () => `Retrying ${answer.retrying} pending callback(s) now (what this attempt does not take, the next cron run does)\n`);
    },
  },
];
