import * as z from 'zod';
import { parseAlgorithms } from './bbb/checksum.js';
import { LEVELS } from './observability/log.js';

/**
 * Every setting and secret the Worker reads, as its text arrives (wrangler.toml [vars], secrets):
 * each one's form and default. src/config.ts turns them into the Config the code uses. Names follow
 * Scalelite where the meaning is the same, so an operator's existing environment carries over.
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

export const EnvSchema = z.object({
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
