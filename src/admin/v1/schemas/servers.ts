import * as z from 'zod';
import { DNS_LABEL, RecordId, ServerId } from '../../../ids.js';
import { ServerIdParams } from './common.js';
import { ServerState } from './states.js';

/** Servers: what an operator sends to add or change one, and what the API answers about it. */

const Url = z.string().trim().regex(/^https?:\/\/[^/\s]+/i, 'must be an http(s) URL').max(2048);
export const Secret = z.string().trim().min(1).max(1024);
const Tag = z.string().trim().max(256).nullable();
const Multiplier = z.number().positive();
/** null goes back to the default, the first DNS label of the host. */
const ProxyBasename = z
  .string()
  .trim()
  .toLowerCase()
  .regex(DNS_LABEL, 'must be a DNS label: letters, digits and inner hyphens, at most 63 characters')
  .nullable()
  .describe("The cluster proxy's path basename, instead of the first DNS label of the host");
/** A server capacity (users, meetings or video streams) as an operator sets it; null is unknown (migration 0012). */
export const Capacity = z.number().int().positive().max(2_147_483_647).nullable();
/** null (or never set) is unknown: admission and the headroom metric do not guess it. */
const CapacityFields = {
  capacityUsers: Capacity.optional().describe('Users the node can take; null when unknown'),
  capacityMeetings: Capacity.optional().describe('Meetings the node can take; null when unknown'),
  capacityVideoStreams: Capacity.optional().describe('Video streams the node can take; null when unknown'),
};

export const ServerSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    tag: z.string().nullable(),
    state: ServerState,
    loadMultiplier: z.number(),
    proxyBasename: z.string().describe('The cluster proxy basename in effect (docs/cluster-proxy.md)'),
    proxyBasenameOverridden: z.boolean().describe('Whether proxyBasename was set rather than taken from the host'),
    /** The first 12 hex digits of the secret's SHA-256: which secret is set, never the secret. */
    secretFingerprint: z.string(),
    secretRotationPending: z.boolean().describe('A new secret waits for the node to take it (docs/secret-rotation.md)'),
    secretNextFingerprint: z.string().nullable().describe("The pending secret's fingerprint; null when no rotation is pending"),
    capacityUsers: z.number().nullable(),
    capacityMeetings: z.number().nullable(),
    capacityVideoStreams: z.number().nullable(),
    health: z.object({
      online: z.boolean(),
      load: z.number().nullable(),
      meetings: z.number(),
      users: z.number(),
      largestMeeting: z.number(),
      videos: z.number(),
      version: z.string(),
      lastPoll: z.string().nullable(),
      lastError: z.string(),
      failures: z.number(),
      panickedAt: z.string().nullable(),
      offlineSince: z.string().nullable().describe('When the current outage began; null while online'),
      suspect: z
        .object({
          since: z.string().describe('The latest failed call that marked it'),
          cause: z.string().describe('What failed: network (refused, reset, TLS, DNS), timeout, or http_502/503/504'),
        })
        .nullable()
        .describe('A node call on the request path failed and no poll has heard the node since: it takes no new meeting; null otherwise'),
    }),
  })
  .meta({ id: 'Server' });

export const ServerList = z.object({ servers: z.array(ServerSchema) });

export const AddServer = z
  .object({
    url: Url,
    secret: Secret,
    tag: Tag.optional(),
    loadMultiplier: Multiplier.default(1),
    state: ServerState.default('disabled'),
    proxyBasename: ProxyBasename.optional(),
    ...CapacityFields,
  })
  .strict()
  .meta({ id: 'AddServer' });

export const UpdateServer = z
  .object({
    secret: Secret.optional(),
    tag: Tag.optional(),
    loadMultiplier: Multiplier.optional(),
    state: ServerState.optional(),
    proxyBasename: ProxyBasename.optional(),
    ...CapacityFields,
  })
  .strict()
  .meta({ id: 'UpdateServer' });

/** Recordings a server holds back: processing on the node, or not fully uploaded. */
export const InFlight = z.object({ count: z.number(), recordIds: z.array(z.string()).describe('The oldest 100') });
export const RecordingsInFlight = z.object({ processing: InFlight, pendingUpload: InFlight });
export const InFlightRecordParams = ServerIdParams.extend({ recordID: RecordId });

export const PanicBody = z.object({ keepState: z.boolean().default(false) }).strict();
export const PanicReport = z.object({ server: ServerSchema, meetingsEnded: z.number() });

export const PollReportSchema = z.object({
  servers: z.number(),
  online: z.number(),
  meetings: z.number(),
  removed: z.number(),
  panicked: z.number(),
  disabled: z.array(z.string()),
  shards: z.number(),
  ms: z.number(),
});

export const DrainProgressSchema = z
  .object({
    state: ServerState,
    meetings: z.number().describe('Meetings on the node at the last poll'),
    processing: z.number().describe("Recordings the node's hooks reported processing, not indexed yet"),
    processingRecordIds: z.array(z.string()).describe('The oldest 10 of them'),
    pendingUpload: z.number().describe('Recordings the node claimed but has not fully uploaded'),
    pendingRecordIds: z.array(z.string()).describe('The oldest 10 of them'),
    done: z
      .boolean()
      .describe('Disabled by the poll (a poll after the cordon found it empty) and nothing processing or pending upload: it can be removed or upgraded'),
  })
  .meta({ id: 'DrainProgress' });

/** What a node needs for the cluster proxy (docs/cluster-proxy.md). */
export const ProxySettingsSchema = z
  .object({
    enabled: z.boolean().describe('CLUSTER_PROXY_ENABLED'),
    basename: z.string(),
    clientUrl: z.string(),
    allowedOrigin: z.string(),
    nodeOrigin: z.string(),
    proxied: z.boolean().describe('Whether the proxy serves this server now (not disabled, basename not shared)'),
    snippets: z.record(z.string(), z.string()),
  })
  .meta({ id: 'ProxySettings' });

export const SecretRotationBody = z.object({ secret: Secret.optional() }).strict();
export const SecretRotationStarted = z.object({
  server: ServerSchema,
  secret: z.string().optional().describe('The generated secret, only when none was given'),
});

/** Rebuilding a node: its recordings go to the server replacing it. */
export const RecordingTransferBody = z.object({ to: ServerId }).strict();
export const RecordingTransferReport = z.object({ recordings: z.number().int(), uploads: z.number().int(), processing: z.number().int() });
