import * as z from 'zod';
import { deliverSoon } from '../../recordings/callbacks/delivery.js';
import { listDeliveries, retryPendingNow } from '../../store/callbacks.js';
import { tenantScope } from './tenants.js';
import { operation, tenantField } from './operation.js';

const Status = z.enum(['pending', 'delivered', 'failed']);

const DeliverySchema = z
  .object({
    id: z.string(),
    /** recording_ready, meeting_ended, analytics, … (new kinds appear here as they are added). */
    kind: z.string(),
    status: Status,
    meetingID: z.string(),
    recordID: z.string().nullable(),
    /** Without its query string, which may carry a token. */
    url: z.string(),
    attempts: z.number(),
    lastStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'CallbackDelivery' });

export const callbackOperations = [
  operation({
    method: 'get',
    path: '/callbacks',
    tag: 'callbacks',
    summary: "A tenant's recent callback deliveries, newest first",
    query: z.object({ ...tenantField, status: Status.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.object({ deliveries: z.array(DeliverySchema) }),
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
    query: z.object(tenantField),
    response: z.object({ retrying: z.number().int() }),
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
