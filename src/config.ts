import { strongestAlgorithm, type ChecksumAlgorithm } from './bbb/checksum.js';
import type { ChecksumLimitSettings } from './abuse/checksum-limit.js';
import type { Level } from './observability/log.js';
import { EnvSchema } from './settings.js';

/** The Worker's configuration, parsed once per isolate from its settings (src/settings.ts). */

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
