import { SAMPLE_MINUTES } from '../../../store/history-samples.js';
import { usageByDay } from '../../../store/history-usage.js';
import { ApiError, operation } from '../operation.js';
import { Usage, UsageQuery } from '../schemas/reports.js';
import { tenantScope } from '../tenants.js';

/** Usage per tenant per UTC day (Scalelite #1206), from the meeting history and the poll's samples. */

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const usageOperations = [
  operation({
    method: 'get',
    path: '/usage',
    tag: 'usage',
    summary: 'Usage per tenant per UTC day: meetings created, meeting- and participant-minutes, peak participants, recordings and bytes stored',
    description:
      `Minutes and peaks come from the poll's samples, one every ${SAMPLE_MINUTES} minutes, each counting what it saw for ${SAMPLE_MINUTES} minutes: ` +
      `a meeting's minutes are exact to about ${SAMPLE_MINUTES} minutes, and a peak shorter than that may be missed. ` +
      `from and to are inclusive UTC days (default: the last 7 days, today included, today's row still growing); at most ${MAX_DAYS} days.`,
    query: UsageQuery,
    response: Usage,
    errors: [404],
    handler: async (ctx) => {
      const to = ctx.query.to ?? dayOf(Date.now());
      const from = ctx.query.from ?? dayOf(Date.parse(to) - 6 * DAY_MS);
      const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
      if (days < 1 || days > MAX_DAYS) {
        throw new ApiError(400, 'validation_error', `from must not be after to, and the range at most ${MAX_DAYS} days`, [{ path: 'query.from', message: `${from} to ${to}` }]);
      }
      if (ctx.query.tenant) await tenantScope(ctx, ctx.query.tenant);
      return { from, to, sampleMinutes: SAMPLE_MINUTES, days: await usageByDay(ctx.svc.sql, { from, to, ...(ctx.query.tenant ? { tenant: ctx.query.tenant } : {}) }) };
    },
  }),
];
