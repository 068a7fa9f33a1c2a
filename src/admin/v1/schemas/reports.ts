import * as z from 'zod';
import { TenantId } from '../../../ids.js';
import { ServerSchema } from './servers.js';

/** What the dashboard reads (GET /overview, a server's history) and usage per tenant per day. */

/** A check of /health/ready; the poll's says how old the last cycle is. */
const Check = z.object({
  ok: z.boolean(),
  error: z.string().optional(),
  lastPollAt: z.string().nullable().optional(),
  ageSeconds: z.number().nullable().optional(),
  staleAfterSeconds: z.number().optional(),
});

export const MeetingRow = z
  .object({
    tenant: z.string(),
    tenantName: z.string(),
    meetingID: z.string(),
    meetingName: z.string(),
    server: z.string(),
    participants: z.number().int(),
    videoStreams: z.number().int(),
    /** When the node created it (ms since the epoch); null when it did not say. */
    createTime: z.number().nullable(),
    recording: z.boolean(),
    /** When the poll that reported it read its server. */
    polledAt: z.string().nullable(),
  })
  .meta({ id: 'OverviewMeeting' });

const PoolPoint = z.object({
  at: z.string(),
  pollMs: z.number(),
  servers: z.number(),
  serversFailed: z.number(),
  pollFailuresTotal: z.number().nullable(),
  apiErrorsTotal: z.number().nullable(),
  joinFailuresTotal: z.number().nullable(),
  importsTotal: z.number().nullable(),
  importDelaySecondsTotal: z.number().nullable(),
  meetings: z.number().nullable(),
  participants: z.number().nullable(),
  videoStreams: z.number().nullable(),
  maxLoad: z.number().nullable(),
});

const ServerPoint = z.object({
  at: z.string(),
  answered: z.boolean(),
  meetings: z.number(),
  participants: z.number(),
  videoStreams: z.number(),
  load: z.number().nullable(),
  pollFailures: z.number(),
});

export const Overview = z.object({
  readAt: z.string(),
  readiness: z.object({ status: z.enum(['ready', 'unready']), checks: z.record(z.string(), Check) }),
  unavailable: z.array(z.string()).describe('Parts that could not be read (storage out of reach): shown empty, the rest still is'),
  poll: z.object({ at: z.string().nullable(), ms: z.number().nullable(), servers: z.number().nullable(), failed: z.number().nullable() }),
  servers: z.array(ServerSchema),
  meetings: z.array(MeetingRow),
  pipeline: z.object({
    pendingUploads: z.array(z.object({ server: z.string(), count: z.number().int(), oldest: z.string() })),
    recent: z.array(
      z.object({ tenant: z.string(), recordID: z.string(), meetingID: z.string(), server: z.string().nullable(), state: z.string(), indexedAt: z.string() }),
    ),
    callbacks: z.array(z.object({ kind: z.string(), pending: z.number().int(), failing: z.number().int(), oldest: z.string() })),
  }),
  headroom: z
    .object({ users: z.number().nullable(), meetings: z.number().nullable() })
    .describe('What the pool can still take if its largest enabled online server is lost (null: a capacity is unknown)'),
  history: z.array(PoolPoint),
});

export const ServerHistory = z.object({ server: z.string(), samples: z.array(ServerPoint) });

const Day = z.iso.date();
export const UsageQuery = z.object({ from: Day.optional(), to: Day.optional(), tenant: TenantId.optional() });

export const UsageDaySchema = z
  .object({
    tenant: z.string(),
    day: z.string(),
    meetingsCreated: z.number().int(),
    meetingMinutes: z.number().int(),
    participantMinutes: z.number().int(),
    peakParticipants: z.number().int(),
    recordings: z.number().int(),
    recordingBytes: z.number().int(),
  })
  .meta({ id: 'UsageDay' });

export const Usage = z.object({ from: z.string(), to: z.string(), sampleMinutes: z.number().int(), days: z.array(UsageDaySchema) });
