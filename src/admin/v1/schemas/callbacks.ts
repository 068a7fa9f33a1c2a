import * as z from 'zod';
import { tenantField } from './common.js';
import { DeliveryStatus } from './states.js';

/** Callback deliveries (recording-ready, end, analytics) of a tenant and how each went. */

export const DeliverySchema = z
  .object({
    id: z.string(),
    /** recording_ready, meeting_ended, analytics, … (new kinds appear here as they are added). */
    kind: z.string(),
    status: DeliveryStatus,
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

export const DeliveryQuery = z.object({ ...tenantField, status: DeliveryStatus.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
export const DeliveryList = z.object({ deliveries: z.array(DeliverySchema) });
export const RetryReport = z.object({ retrying: z.number().int() });
