import type * as z from 'zod';
import type { Config } from '../../config.js';
import { operation } from './operation.js';
import { FeaturesSchema, SettingsSchema } from './schemas/settings.js';

/**
 * The effective global settings an operator (or the dashboard) may see: no secret, token or
 * connection URL, only whether one is set; parameter policies by name, as values may carry URLs.
 */

const policy = (p: Config['createParams']) => ({
  defaults: p.defaults.map(([k]) => k),
  overrides: p.overrides.map(([k]) => k),
  exclude: p.exclude,
});

function features(cfg: Config): z.input<typeof FeaturesSchema> {
  const r = cfg.recordings;
  return {
    multitenancy: cfg.multitenancy,
    urlHost: cfg.urlHost || null,
    clusterProxy: cfg.clusterProxy,
    checksumAlgorithms: cfg.algorithms,
    checksumFailureLimit: cfg.checksumLimit.limit,
    recordings: !r.disabled,
    protectedRecordings: r.protectByDefault,
    recordingsPublicUrlSet: r.publicUrl !== '',
    presignedUrls: r.s3 !== null,
    recordingSigningKeySet: r.signingKey !== '',
    callbackPrivateUrls: cfg.callbacks.allowPrivateUrls,
    metricsTokenSet: cfg.metrics.token !== '',
    adminTokens: cfg.adminTokens.length,
  };
}

function view(cfg: Config): z.input<typeof SettingsSchema> {
  const r = cfg.recordings;
  return {
    features: features(cfg),
    buildNumber: cfg.buildNumber,
    checksum: { accepted: cfg.algorithms, toNodes: cfg.nodeAlgorithm, loadBalancerSecrets: cfg.secrets.length },
    meetings: {
      maxDurationMinutes: cfg.maxMeetingDuration,
      ttlSeconds: cfg.meetingTtlSeconds,
      voiceBridgeLength: cfg.voiceBridgeLength,
      useExternalVoiceBridge: cfg.useExternalVoiceBridge,
      getMeetingsDisabled: cfg.getMeetingsDisabled,
      infoCacheSeconds: cfg.meetingInfoCacheSeconds,
      createParams: policy(cfg.createParams),
      joinParams: policy(cfg.joinParams),
    },
    servers: {
      idIsHostname: cfg.serverIdIsHostname,
      healthyThreshold: cfg.healthyThreshold,
      unhealthyThreshold: cfg.unhealthyThreshold,
      panicThreshold: cfg.panicThreshold,
      connectTimeoutMs: cfg.connectTimeoutMs,
      responseTimeoutMs: cfg.responseTimeoutMs,
      pollConcurrency: cfg.pollConcurrency,
      pollShardSize: cfg.pollShardSize,
      pollStaleMs: cfg.pollStaleMs,
      cacheMs: cfg.serverCacheMs,
      load: cfg.load,
    },
    recordings: {
      disabled: r.disabled,
      requireFilter: r.requireFilter,
      protectByDefault: r.protectByDefault,
      accessMs: r.accessMs,
      linkMs: r.linkMs,
      formats: r.formats,
      publicUrlSet: r.publicUrl !== '',
      presignedUrls: r.s3 !== null,
      urlTtlSeconds: r.urlTtlSeconds,
      retentionDays: cfg.retention.days,
      importUnpublished: cfg.ingest.importUnpublished,
      maxFileBytes: cfg.ingest.maxFileBytes,
    },
    callbacks: cfg.callbacks,
    metricsEnabled: cfg.metrics.token !== '',
    adminTokens: cfg.adminTokens.length,
  };
}

export const settingsOperations = [
  operation({
    method: 'get',
    path: '/settings',
    tag: 'settings',
    summary: 'The effective global settings that are safe to show',
    response: SettingsSchema,
    handler: async ({ svc }) => view(svc.cfg),
  }),
];
