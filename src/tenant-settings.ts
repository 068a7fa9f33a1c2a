import * as z from 'zod';

/**
 * A tenant's settings, stored as JSON beside it. Parameter policies apply on top of the global
 * DEFAULT_/OVERRIDE_/…_EXCLUDE_PARAMS: defaults fill what the LMS left out, overrides always win,
 * blocked params are dropped, and maximums cap numeric params (duration, maxParticipants, …).
 */
const paramPolicy = z
  .object({
    defaults: z.record(z.string(), z.string()).default({}),
    overrides: z.record(z.string(), z.string()).default({}),
    block: z.array(z.string()).default([]),
    max: z.record(z.string(), z.number().nonnegative()).default({}),
  })
  .strict();

/**
 * Scalelite's lrs_endpoint with basic credentials (lrs_username/lrs_password), or its Keycloak
 * password grant (kc_token_url, kc_client_id, kc_client_secret, kc_username, kc_password);
 * see src/tenancy/lrs.ts.
 */
const lrs = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }),
    username: z.string().optional(),
    password: z.string().optional(),
    keycloak: z
      .object({ tokenUrl: z.url({ protocol: /^https?$/ }), clientId: z.string(), clientSecret: z.string(), username: z.string(), password: z.string() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((v) => v.username !== undefined || v.keycloak !== undefined, 'needs a username (basic auth) or keycloak');

export const TenantSettingsSchema = z
  .object({
    create: paramPolicy.optional(),
    join: paramPolicy.optional(),
    /** The tenant's meetings go to servers with this tag (as `meta_server-tag`, `tag!` to require it). */
    serverTag: z.string().max(256).nullable().optional(),
    /** Soft limits, checked at create against the last poll. */
    limits: z
      .object({ meetings: z.number().int().nonnegative().optional(), attendees: z.number().int().nonnegative().optional() })
      .strict()
      .optional(),
    /** xAPI learning record store: create hands the node its encrypted credentials. */
    lrs: lrs.optional(),
    /** Bearer token of the tenant's own `/metrics/tenant` on its host; unset, that endpoint is off. */
    metricsToken: z.string().min(24).max(256).optional(),
  })
  .strict();

export type LrsSettings = z.infer<typeof lrs>;
export type TenantSettings = z.infer<typeof TenantSettingsSchema>;
export type TenantParamPolicy = z.infer<typeof paramPolicy>;

/** Stored settings, tolerant of what an older version wrote: anything invalid reads as no settings. */
export function readSettings(raw: unknown): TenantSettings {
  const parsed = TenantSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}
