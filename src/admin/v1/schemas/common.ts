import * as z from 'zod';
import { DEFAULT_TENANT, ServerId, TenantId } from '../../../ids.js';

/** What every part of the admin API shares: the error answer, ids in paths, tenant and paging queries. */

/** Every error answer: a stable machine code, a sentence for people, and the fields at fault. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Meetings, recordings and callbacks belong to a tenant: `?tenant=<id>`, the default tenant when absent. */
export const tenantField = { tenant: TenantId.default(DEFAULT_TENANT) };
export const TenantQuery = z.object(tenantField);

/** A server's or a tenant's id in the path: both are the same kind of text (src/ids.ts). */
export const ServerIdParams = z.object({ id: ServerId });
export const TenantIdParams = z.object({ id: TenantId });

/** Query flags are strings on the wire; only these two spellings are accepted. */
export const queryFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Pagination of long lists: `offset` and `limit`, with the total count in the answer. */
export const pageQuery = (maxLimit: number, defaultLimit: number) => ({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
});

export const Success = z.object({ ok: z.literal(true) });
