import { deliverSoon } from '../../recordings/callbacks/delivery.js';
import { listDeliveries, retryPendingNow } from '../../store/callbacks.js';
import { tenantScope } from './tenants.js';
import { operation } from './operation.js';
import { DeliveryList, DeliveryQuery, RetryReport } from './schemas/callbacks.js';
import { TenantQuery } from './schemas/common.js';

export const callbackOperations = [
  operation({
    method: 'get',
    path: '/callbacks',
    tag: 'callbacks',
    summary: "A tenant's recent callback deliveries, newest first",
    query: DeliveryQuery,
    response: DeliveryList,
    errors: [404],
    handler: async (ctx) => {
      const { svc, query: q } = ctx;
      await tenantScope(ctx, q.tenant);
      return { deliveries: await listDeliveries(svc.sql, { tenant: q.tenant, limit: q.limit, ...(q.status ? { status: q.status } : {}) }) };
    },
  }),
  operation({
    method: 'post',
    path: '/callbacks/retry',
    tag: 'callbacks',
    summary: "Attempt a tenant's pending deliveries now instead of after their backoff (the frontend is back)",
    query: TenantQuery,
    response: RetryReport,
    errors: [404],
    handler: async (ctx) => {
      const { svc, query: q } = ctx;
      await tenantScope(ctx, q.tenant);
      const ids = await retryPendingNow(svc.sql, q.tenant);
      // Claimed as the cron claims: what this attempt does not take, the next cron run does.
      deliverSoon(svc, ids, ctx.waitUntil);
      return { retrying: ids.length };
    },
  }),
];
