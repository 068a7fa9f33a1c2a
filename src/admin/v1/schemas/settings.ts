import * as z from 'zod';

/** GET /settings: what src/admin/v1/settings.ts may show of the configuration (no secret, only whether one is set). */

/** Parameter policies by name only: their values may carry URLs. */
const ParamPolicy = z.object({ defaults: z.array(z.string()), overrides: z.array(z.string()), exclude: z.array(z.string()) });

/** The switches an operator turns on, each by its setting's name, to confirm what a deploy (or `npm run dev`) runs with. */
export const FeaturesSchema = z.object({
  multitenancy: z.boolean().describe('MULTITENANCY_ENABLED'),
  urlHost: z.string().nullable().describe('URL_HOST; null when unset (the host of each request is used)'),
  clusterProxy: z.boolean().describe('CLUSTER_PROXY_ENABLED'),
  checksumAlgorithms: z.array(z.string()).describe('Inbound checksum algorithms accepted (LOADBALANCER_CHECKSUM_ALGORITHM)'),
  checksumFailureLimit: z.number().describe('CHECKSUM_FAILURE_LIMIT; 0: off'),
  recordings: z.boolean().describe('The recordings API and playback (false with RECORDING_DISABLED)'),
  protectedRecordings: z.boolean().describe('PROTECTED_RECORDINGS_ENABLED'),
  recordingsPublicUrlSet: z.boolean().describe('RECORDINGS_PUBLIC_URL is set'),
  presignedUrls: z.boolean().describe("R2's S3 credentials are set (presigned URLs for protected recordings)"),
  recordingSigningKeySet: z.boolean().describe('SECRET_KEY_BASE is set (else playback tokens are signed with a key derived from the API secret)'),
  callbackPrivateUrls: z.boolean().describe('CALLBACK_ALLOW_PRIVATE_URLS: callbacks (recording-ready, end, analytics) may go to loopback and private addresses'),
  metricsTokenSet: z.boolean().describe('METRICS_TOKEN is set (/metrics answers)'),
  adminTokens: z.number().describe('How many ADMIN_TOKEN tokens are accepted'),
});

export const SettingsSchema = z
  .object({
    features: FeaturesSchema,
    buildNumber: z.string(),
    checksum: z.object({ accepted: z.array(z.string()), toNodes: z.string(), loadBalancerSecrets: z.number() }),
    meetings: z.object({
      maxDurationMinutes: z.number(),
      ttlSeconds: z.number(),
      voiceBridgeLength: z.number(),
      useExternalVoiceBridge: z.boolean(),
      getMeetingsDisabled: z.boolean(),
      infoCacheSeconds: z.number(),
      createParams: ParamPolicy,
      joinParams: ParamPolicy,
    }),
    servers: z.object({
      idIsHostname: z.boolean(),
      healthyThreshold: z.number(),
      unhealthyThreshold: z.number(),
      panicThreshold: z.number(),
      connectTimeoutMs: z.number(),
      responseTimeoutMs: z.number(),
      pollConcurrency: z.number(),
      pollShardSize: z.number(),
      pollStaleMs: z.number(),
      cacheMs: z.number(),
      load: z.object({ minUserCount: z.number(), joinBufferMs: z.number(), userWeight: z.number(), videoWeight: z.number(), meetingWeight: z.number() }),
    }),
    recordings: z.object({
      disabled: z.boolean(),
      requireFilter: z.boolean(),
      protectByDefault: z.boolean(),
      accessMs: z.number(),
      linkMs: z.number(),
      formats: z.array(z.string()),
      publicUrlSet: z.boolean(),
      presignedUrls: z.boolean(),
      urlTtlSeconds: z.number(),
      retentionDays: z.number(),
      importUnpublished: z.boolean(),
      maxFileBytes: z.number(),
    }),
    callbacks: z.object({ expirySeconds: z.number(), timeoutMs: z.number(), batchSize: z.number(), allowPrivateUrls: z.boolean() }),
    metricsEnabled: z.boolean(),
    adminTokens: z.number(),
  })
  .meta({ id: 'Settings' });
