/** The admin API's answers as the CLI reads them (the full shapes: GET /admin/v1/openapi.json). */

export type ServerState = 'enabled' | 'cordoned' | 'disabled';
export const SERVER_STATES: readonly ServerState[] = ['enabled', 'cordoned', 'disabled'];

export interface Server {
  id: string;
  url: string;
  tag: string | null;
  state: ServerState;
  loadMultiplier: number;
  /** The cluster proxy basename in effect. */
  proxyBasename: string;
  proxyBasenameOverridden: boolean;
  secretFingerprint: string;
  secretRotationPending: boolean;
  /** While a secret rotation is pending. */
  secretNextFingerprint: string | null;
  /** null: unknown. */
  capacityUsers: number | null;
  capacityMeetings: number | null;
  capacityVideoStreams: number | null;
  health: {
    online: boolean;
    load: number | null;
    meetings: number;
    users: number;
    largestMeeting: number;
    videos: number;
    version: string;
    lastPoll: string | null;
    lastError: string;
    failures: number;
    panickedAt: string | null;
    /** When the current outage began; null while online. */
    offlineSince: string | null;
    /** A node call on the request path failed and no poll has heard the node since; null otherwise. */
    suspect: { since: string; cause: string } | null;
  };
}

export interface Secrets {
  secrets: { fingerprint: string }[];
}

export interface Tenant extends Secrets {
  id: string;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

export interface Meeting {
  meetingID: string;
  meetingName: string;
  createTime: number | null;
  running: boolean;
  participantCount: number;
  moderatorCount: number;
  videoCount: number;
  isBreakout: boolean;
  /** The id of the server it runs on. */
  server: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** A recording-ready, end or analytics callback and how its delivery went. */
export interface CallbackDelivery {
  id: string;
  kind: string;
  status: DeliveryStatus;
  meetingID: string;
  recordID: string | null;
  /** Without its query string, which may carry a token. */
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** While pending. */
  nextAttemptAt: string | null;
}

export type ImportAction = 'create' | 'update' | 'unchanged';

export interface ImportPlan {
  dryRun: boolean;
  servers: { url: string; action: ImportAction }[];
  tenants: { name: string; action: ImportAction }[];
}

/** The configuration document of GET /config/export and POST /config/import. */
export interface ConfigDocument {
  version: 1;
  servers: ({ url: string; secret: string; tag?: string | null; loadMultiplier?: number; state?: ServerState; proxyBasename?: string | null } & Partial<
    Pick<Server, 'capacityUsers' | 'capacityMeetings' | 'capacityVideoStreams'>
  >)[];
  tenants: { name: string; enabled?: boolean; secrets?: string[]; settings?: Record<string, unknown> }[];
}

/** One tenant's usage on one UTC day (GET /usage), as the balancer's store reads it. */
import type { UsageDay } from '../../src/store/history-usage.js';
export type { UsageDay };

export interface Usage {
  from: string;
  to: string;
  sampleMinutes: number;
  days: UsageDay[];
}

/** GET/POST /admin/v1/servers/{id}/drain. */
export type { DrainProgress } from '../../src/cluster/drain.js';
