import * as z from 'zod';
import { parseAlgorithms, strongestAlgorithm, type ChecksumAlgorithm } from './bbb/checksum.js';
import type { ChecksumLimitSettings } from './abuse/checksum-limit.js';
import { LEVELS, type Level } from './observability/log.js';

/**
 * Every setting the Worker reads, validated once per isolate. Names follow Scalelite where the
 * meaning is the same, so an operator's existing environment carries over.
 */

const text = (fallback = '') => z.string().optional().transform((v) => v?.trim() || fallback);

const number = (fallback: number, opts: { min?: number; int?: boolean } = {}) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      const bad =
        !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min);
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `must be a ${opts.int ? 'whole ' : ''}number${opts.min !== undefined ? ` >= ${opts.min}` : ''}` });
        return z.NEVER;
      }
      return n;
    });

const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be true or false' });
      return z.NEVER;
    });

const url = z
  .string({ error: 'is missing' })
  .trim()
  // abort: an empty URL is missing, not also malformed.
  .min(1, { error: 'is missing', abort: true })
  .refine((v) => /^(https?|postgres(ql)?):\/\//.test(v), 'must be a URL');

/** `k=v,k2=v2` as in Scalelite's DEFAULT_/OVERRIDE_*_PARAMS. */
const pairs = z
  .string()
  .optional()
  .transform((v) => {
    const out: [string, string][] = [];
    for (const item of (v ?? '').split(',')) {
      if (!item.trim()) continue;
      const eq = item.indexOf('=');
      out.push(eq < 0 ? [item.trim(), ''] : [item.slice(0, eq).trim(), item.slice(eq + 1)]);
    }
    return out;
  });

/** A comma list, as in Scalelite's *_EXCLUDE_PARAMS. */
const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const algorithms = z
  .string()
  .optional()
  .transform((v, ctx) => {
    try {
      return v?.trim() ? parseAlgorithms(v) : undefined;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

const EnvSchema = z.object({
  DATABASE_URL: url,
  NEON_HTTP_ENDPOINT: text(),
  NEON_WS_PROXY: text(),
  UPSTASH_REDIS_REST_URL: url,
  UPSTASH_REDIS_REST_TOKEN: z.string({ error: 'is missing' }).trim().min(1, 'is missing'),
  REDIS_NAMESPACE: text('scaleflare'),
  LOADBALANCER_SECRET: text(),
  LOADBALANCER_SECRETS: text(),
  LOADBALANCER_CHECKSUM_ALGORITHM: algorithms,
  NODE_CHECKSUM_ALGORITHM: algorithms,
  MAX_MEETING_DURATION: number(0, { min: 0, int: true }),
  DEFAULT_CREATE_PARAMS: pairs,
  OVERRIDE_CREATE_PARAMS: pairs,
  CREATE_EXCLUDE_PARAMS: list,
  DEFAULT_JOIN_PARAMS: pairs,
  OVERRIDE_JOIN_PARAMS: pairs,
  JOIN_EXCLUDE_PARAMS: list,
  CONNECT_TIMEOUT: number(5, { min: 0.05 }),
  RESPONSE_TIMEOUT: number(10, { min: 0.05 }),
  SERVER_HEALTHY_THRESHOLD: number(1, { min: 1, int: true }),
  SERVER_UNHEALTHY_THRESHOLD: number(2, { min: 1, int: true }),
  SERVER_PANIC_THRESHOLD: number(5, { min: 1, int: true }),
  SERVER_ID_IS_HOSTNAME: flag(false),
  POLL_CONCURRENCY: number(6, { min: 1, int: true }),
  POLL_SHARD_SIZE: number(250, { min: 1, int: true }),
  MEETING_INFO_CACHE_SECONDS: number(5, { min: 0, int: true }),
  LOAD_MIN_USER_COUNT: number(15, { min: 0 }),
  LOAD_JOIN_BUFFER_TIME: number(15, { min: 0 }),
  LOAD_USER_WEIGHT: number(1, { min: 0 }),
  LOAD_VIDEO_WEIGHT: number(0.5, { min: 0 }),
  LOAD_MEETING_WEIGHT: number(1, { min: 0 }),
  VOICE_BRIDGE_LEN: number(9, { min: 5, int: true }),
  USE_EXTERNAL_VOICE_BRIDGE: flag(false),
  MEETING_RECOVERY: flag(true),
  DEFAULT_MEETING_TTL: number(86400, { min: 60, int: true }),
  GET_MEETINGS_API_DISABLED: flag(false),
  RECORDING_DISABLED: flag(false),
  GET_RECORDINGS_API_FILTERED: flag(false),
  PROTECTED_RECORDINGS_ENABLED: flag(false),
  PROTECTED_RECORDINGS_TIMEOUT: number(360, { min: 1 }),
  PROTECTED_RECORDINGS_TOKEN_TIMEOUT: number(60, { min: 1 }),
  RECORDING_PLAYBACK_FORMATS: text('presentation:video:screenshare:podcast:notes:capture'),
  RECORDINGS_PUBLIC_URL: text().refine((v) => v === '' || /^https?:\/\/[^/]/.test(v), 'must be an http(s) URL'),
  RECORDINGS_URL_TTL: number(3600, { min: 60, int: true }),
  R2_ACCOUNT_ID: text(),
  R2_BUCKET_NAME: text('scaleflare-recordings'),
  R2_ACCESS_KEY_ID: text(),
  R2_SECRET_ACCESS_KEY: text(),
  SECRET_KEY_BASE: text(),
  SERVER_CACHE_SECONDS: number(5, { min: 0 }),
  BUILD_NUMBER: text(),
  METRICS_TOKEN: text(),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() || 'info')
    .pipe(z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` })),
  ADMIN_TOKEN: text(),
  METRICS_FLUSH_SECONDS: number(5, { min: 1 }),
  POLL_STALE_SECONDS: number(180, { min: 1 }),
  URL_HOST: text(),
  MULTITENANCY_ENABLED: flag(false),
  CLUSTER_PROXY_ENABLED: flag(false),
  CALLBACK_EXPIRY_HOURS: number(72, { min: 0.01 }),
  CALLBACK_TIMEOUT: number(10, { min: 0.05 }),
  CALLBACK_BATCH_SIZE: number(25, { min: 1, int: true }),
  CALLBACK_ALLOW_PRIVATE_URLS: flag(false),
  CHECKSUM_FAILURE_LIMIT: number(20, { min: 0, int: true }),
  CHECKSUM_FAILURE_WINDOW: number(60, { min: 1, int: true }),
  RECORDING_RETENTION_DAYS: number(0, { min: 0 }),
  RECORDING_RETENTION_BATCH_SIZE: number(20, { min: 1, int: true }),
  RECORDING_IMPORT_UNPUBLISHED: flag(false),
  RECORDING_INGEST_MAX_FILE_MB: number(20480, { min: 0.001 }),
  RECORDING_INGEST_MAX_REQUEST_MB: number(90, { min: 0.001 }),
  RECORDING_INGEST_CLOCK_SKEW: number(300, { min: 1, int: true }),
});

/** Every setting and secret the Worker reads, by name (the local stack passes these on from its environment). */
export const SETTING_NAMES: readonly string[] = Object.keys(EnvSchema.shape);

export interface Config {
  databaseUrl: string;
  neonHttpEndpoint: string;
  neonWsProxy: string;
  redis: { url: string; token: string; namespace: string };
  secrets: string[];
  /** Inbound checksums accepted; outbound calls to nodes use `nodeAlgorithm`. */
  algorithms: ChecksumAlgorithm[];
  nodeAlgorithm: ChecksumAlgorithm;
  maxMeetingDuration: number;
  createParams: { defaults: [string, string][]; overrides: [string, string][]; exclude: string[] };
  joinParams: { defaults: [string, string][]; overrides: [string, string][]; exclude: string[] };
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Consecutive failed polls after which an offline server's meetings are dropped (auto-panic). */
  panicThreshold: number;
  serverIdIsHostname: boolean;
  pollConcurrency: number;
  /** Servers one invocation polls; a larger pool fans out to further invocations. */
  pollShardSize: number;
  /** getMeetingInfo/isMeetingRunning answers are shared for this long; 0 = off. */
  meetingInfoCacheSeconds: number;
  load: { minUserCount: number; joinBufferMs: number; userWeight: number; videoWeight: number; meetingWeight: number };
  voiceBridgeLength: number;
  useExternalVoiceBridge: boolean;
  /** Re-create a meeting whose node is suspect or offline on the next create or join (docs/node-lifecycle.md). */
  meetingRecovery: boolean;
  meetingTtlSeconds: number;
  getMeetingsDisabled: boolean;
  recordings: RecordingsConfig;
  serverCacheMs: number;
  buildNumber: string;
  logLevel: Level;
  /** /metrics answers only with this bearer token; empty turns metrics (and counting) off. */
  metrics: { token: string; flushMs: number };
  /** Bearer tokens of the JSON admin API (`:`-separated, for rotation); empty turns the API off. */
  adminTokens: string[];
  /** /health/ready reports polling stale when the last completed cycle is older than this. */
  pollStaleMs: number;
  /** Public host of the balancer for URLs handed to nodes; empty: the host of the request. */
  urlHost: string;
  /** Tenants by the first DNS label of the request's host (Scalelite's MULTITENANCY_ENABLED). */
  multitenancy: boolean;
  /** Serve `/<basename>/html5client/*` and `/<basename>/bigbluebutton/api*` from the nodes (docs/cluster-proxy.md). */
  clusterProxy: boolean;
  callbacks: CallbackSettings;
  /** Wrong checksums per client and window before its calls are refused (docs/abuse-and-analytics.md). */
  checksumLimit: ChecksumLimitSettings;
  /** Recordings older than this many days are deleted by the cron; 0 = never. */
  retention: { days: number; batchSize: number };
  ingest: IngestSettings;
}

/** Uploads from BBB nodes (docs/recordings-ingest.md). */
export interface IngestSettings {
  /** Scalelite's RECORDING_IMPORT_UNPUBLISHED: imported recordings start unpublished. */
  importUnpublished: boolean;
  maxFileBytes: number;
  /** Largest body of one request: a whole small file, or one part of a large one. */
  maxRequestBytes: number;
  clockSkewMs: number;
}

export interface CallbackSettings {
  expirySeconds: number;
  timeoutMs: number;
  /** Deliveries attempted per cron run (each is one or more subrequests). */
  batchSize: number;
  /** Accept callback URLs on loopback/private addresses (local development). */
  allowPrivateUrls: boolean;
}

/** The recordings API and playback (docs/recordings.md). */
export interface RecordingsConfig {
  disabled: boolean;
  /** getRecordings refuses a call without recordID or meetingID. */
  requireFilter: boolean;
  protectByDefault: boolean;
  /** How long a protected recording's access cookie and its one-time link live. */
  accessMs: number;
  linkMs: number;
  formats: string[];
  /** Open recordings redirect here (an R2 custom domain or CDN), without a trailing slash. */
  publicUrl: string;
  /** Lifetime of presigned and Worker-signed object URLs. */
  urlTtlSeconds: number;
  /** R2's S3 API, for presigned URLs; null when not configured. */
  s3: { accountId: string; bucket: string; accessKeyId: string; secretAccessKey: string } | null;
  /** Signs playback tokens and cookies; empty means derived from the API secret. */
  signingKey: string;
}

/** Names the settings at fault (names are not secret: /health/ready and preflight show them), never a value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One `<SETTING> <what is wrong>` per problem. */
  readonly problems: string[];
  /** The settings at fault, each once. */
  readonly settings: string[];
  constructor(problems: { setting: string; message: string }[]) {
    const lines = problems.map((p) => `${p.setting} ${p.message}`);
    super(`Invalid configuration: ${lines.join('; ')}`);
    this.problems = lines;
    this.settings = [...new Set(problems.map((p) => p.setting))];
  }
}

const ALL_ALGORITHMS: ChecksumAlgorithm[] = ['sha1', 'sha256', 'sha384', 'sha512'];

/** Parses the Worker's env; the error names each missing or malformed setting, never a value. */
export function parseConfig(env: Record<string, unknown>): Config {
  const strings: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    strings[key] = typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v);
  }
  const parsed = EnvSchema.safeParse(strings);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => ({ setting: i.path.join('.'), message: i.message }));
  // Named beside the schema's problems, so one look (preflight, /health/ready) lists them all.
  if (![strings.LOADBALANCER_SECRET ?? '', ...(strings.LOADBALANCER_SECRETS ?? '').split(':')].some((s) => s.trim())) {
    problems.push({ setting: 'LOADBALANCER_SECRET', message: 'is missing' });
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const secrets = [e.LOADBALANCER_SECRET, ...e.LOADBALANCER_SECRETS.split(':')].filter(Boolean);
  const algorithms = e.LOADBALANCER_CHECKSUM_ALGORITHM ?? ALL_ALGORITHMS;
  return {
    databaseUrl: e.DATABASE_URL,
    neonHttpEndpoint: e.NEON_HTTP_ENDPOINT,
    neonWsProxy: e.NEON_WS_PROXY,
    redis: { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN, namespace: e.REDIS_NAMESPACE },
    secrets,
    algorithms,
    // Scalelite signs outbound calls with SHA256 unless the accepted list is set, then with its strongest.
    nodeAlgorithm:
      (e.NODE_CHECKSUM_ALGORITHM && strongestAlgorithm(e.NODE_CHECKSUM_ALGORITHM)) ??
      (e.LOADBALANCER_CHECKSUM_ALGORITHM ? strongestAlgorithm(algorithms) : 'sha256'),
    maxMeetingDuration: e.MAX_MEETING_DURATION,
    createParams: { defaults: e.DEFAULT_CREATE_PARAMS, overrides: e.OVERRIDE_CREATE_PARAMS, exclude: e.CREATE_EXCLUDE_PARAMS },
    joinParams: { defaults: e.DEFAULT_JOIN_PARAMS, overrides: e.OVERRIDE_JOIN_PARAMS, exclude: e.JOIN_EXCLUDE_PARAMS },
    connectTimeoutMs: e.CONNECT_TIMEOUT * 1000,
    responseTimeoutMs: e.RESPONSE_TIMEOUT * 1000,
    healthyThreshold: e.SERVER_HEALTHY_THRESHOLD,
    unhealthyThreshold: e.SERVER_UNHEALTHY_THRESHOLD,
    panicThreshold: e.SERVER_PANIC_THRESHOLD,
    serverIdIsHostname: e.SERVER_ID_IS_HOSTNAME,
    pollConcurrency: e.POLL_CONCURRENCY,
    pollShardSize: e.POLL_SHARD_SIZE,
    meetingInfoCacheSeconds: e.MEETING_INFO_CACHE_SECONDS,
    load: {
      minUserCount: e.LOAD_MIN_USER_COUNT,
      joinBufferMs: e.LOAD_JOIN_BUFFER_TIME * 60_000,
      userWeight: e.LOAD_USER_WEIGHT,
      videoWeight: e.LOAD_VIDEO_WEIGHT,
      meetingWeight: e.LOAD_MEETING_WEIGHT,
    },
    voiceBridgeLength: e.VOICE_BRIDGE_LEN,
    useExternalVoiceBridge: e.USE_EXTERNAL_VOICE_BRIDGE,
    meetingRecovery: e.MEETING_RECOVERY,
    meetingTtlSeconds: e.DEFAULT_MEETING_TTL,
    getMeetingsDisabled: e.GET_MEETINGS_API_DISABLED,
    recordings: {
      disabled: e.RECORDING_DISABLED,
      requireFilter: e.GET_RECORDINGS_API_FILTERED,
      protectByDefault: e.PROTECTED_RECORDINGS_ENABLED,
      accessMs: e.PROTECTED_RECORDINGS_TIMEOUT * 60_000,
      linkMs: e.PROTECTED_RECORDINGS_TOKEN_TIMEOUT * 60_000,
      formats: e.RECORDING_PLAYBACK_FORMATS.split(':').map((f) => f.trim()).filter(Boolean),
      publicUrl: e.RECORDINGS_PUBLIC_URL.replace(/\/+$/, ''),
      urlTtlSeconds: e.RECORDINGS_URL_TTL,
      s3:
        e.R2_ACCOUNT_ID && e.R2_ACCESS_KEY_ID && e.R2_SECRET_ACCESS_KEY
          ? { accountId: e.R2_ACCOUNT_ID, bucket: e.R2_BUCKET_NAME, accessKeyId: e.R2_ACCESS_KEY_ID, secretAccessKey: e.R2_SECRET_ACCESS_KEY }
          : null,
      signingKey: e.SECRET_KEY_BASE,
    },
    serverCacheMs: e.SERVER_CACHE_SECONDS * 1000,
    buildNumber: e.BUILD_NUMBER,
    logLevel: e.LOG_LEVEL,
    metrics: { token: e.METRICS_TOKEN, flushMs: e.METRICS_FLUSH_SECONDS * 1000 },
    adminTokens: e.ADMIN_TOKEN.split(':').map((t) => t.trim()).filter(Boolean),
    pollStaleMs: e.POLL_STALE_SECONDS * 1000,
    urlHost: e.URL_HOST,
    multitenancy: e.MULTITENANCY_ENABLED,
    clusterProxy: e.CLUSTER_PROXY_ENABLED,
    callbacks: {
      expirySeconds: Math.round(e.CALLBACK_EXPIRY_HOURS * 3600),
      timeoutMs: e.CALLBACK_TIMEOUT * 1000,
      batchSize: e.CALLBACK_BATCH_SIZE,
      allowPrivateUrls: e.CALLBACK_ALLOW_PRIVATE_URLS,
    },
    checksumLimit: { limit: e.CHECKSUM_FAILURE_LIMIT, windowSeconds: e.CHECKSUM_FAILURE_WINDOW },
    retention: { days: e.RECORDING_RETENTION_DAYS, batchSize: e.RECORDING_RETENTION_BATCH_SIZE },
    ingest: {
      importUnpublished: e.RECORDING_IMPORT_UNPUBLISHED,
      maxFileBytes: Math.floor(e.RECORDING_INGEST_MAX_FILE_MB * 1024 * 1024),
      maxRequestBytes: Math.floor(e.RECORDING_INGEST_MAX_REQUEST_MB * 1024 * 1024),
      clockSkewMs: e.RECORDING_INGEST_CLOCK_SKEW * 1000,
    },
  };
}
