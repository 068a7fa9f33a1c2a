import * as z from 'zod';
import { DNS_LABEL } from '../../../ids.js';
import { TenantSettingsSchema } from '../../../tenant-settings.js';
import { TenantIdParams } from './common.js';

/** Tenants: what an operator sends to add or change one, and what the API answers (secrets as fingerprints). */

/** Tenants are resolved by the first DNS label of the host, so a name must be one. */
export const TenantName = z
  .string()
  .trim()
  .refine((n) => DNS_LABEL.test(n), 'must be a DNS label (a-z, 0-9, -; at most 63)');
export const TenantSecret = z.string().trim().min(1).max(1024);
const Settings = TenantSettingsSchema.meta({ id: 'TenantSettings' });

export const SecretsSchema = z.object({ secrets: z.array(z.object({ fingerprint: z.string() })) });

export const TenantSchema = z
  .object({ id: z.string(), name: z.string(), enabled: z.boolean(), settings: Settings })
  .extend(SecretsSchema.shape)
  .meta({ id: 'Tenant' });

export const TenantList = z.object({ tenants: z.array(TenantSchema) });

export const AddTenant = z
  .object({ name: TenantName, secrets: z.array(TenantSecret).min(1), enabled: z.boolean().default(true), settings: Settings.default({}) })
  .strict()
  .meta({ id: 'AddTenant' });

export const UpdateTenant = z
  .object({ name: TenantName.optional(), enabled: z.boolean().optional(), settings: Settings.optional() })
  .strict()
  .meta({ id: 'UpdateTenant' });

export const AddSecretBody = z.object({ secret: TenantSecret }).strict();
export const SecretParams = TenantIdParams.extend({ fingerprint: z.string().regex(/^[0-9a-f]{12}$/, 'must be 12 lowercase hex digits') });
