import { z } from 'zod';

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
  })
  .strict();

export type TenantSettings = z.infer<typeof TenantSettingsSchema>;
export type TenantParamPolicy = z.infer<typeof paramPolicy>;

/** Stored settings, tolerant of what an older version wrote: anything invalid reads as no settings. */
export function readSettings(raw: unknown): TenantSettings {
  const parsed = TenantSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}
