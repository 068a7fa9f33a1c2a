import * as z from 'zod';
import { TenantSettingsSchema } from '../../../tenant-settings.js';
import { queryFlag } from './common.js';
import { AddServer } from './servers.js';
import { TenantName, TenantSecret } from './tenants.js';

/** The configuration document of GET /config/export and POST /config/import, and the import's plan. */

export const ExportedServer = AddServer.meta({ id: 'ExportedServer' });
export const ExportedTenant = z
  .object({
    name: TenantName,
    enabled: z.boolean().default(true),
    secrets: z.array(TenantSecret).default([]),
    settings: TenantSettingsSchema.default({}),
  })
  .strict()
  .meta({ id: 'ExportedTenant' });

export const ConfigDocument = z
  .object({
    version: z.literal(1),
    exportedAt: z.string().optional(),
    servers: z.array(ExportedServer).max(10_000).default([]),
    tenants: z.array(ExportedTenant).max(10_000).default([]),
  })
  .strict()
  .superRefine((doc, ctx) => {
    // Items are matched by URL and name: a repeat would be applied twice, the second silently winning.
    const repeated = (list: string[], where: 'servers' | 'tenants', field: string) =>
      list.forEach((v, i) => {
        if (list.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: [where, i, field], message: `repeats ${JSON.stringify(v)}` });
      });
    repeated(doc.servers.map((s) => s.url), 'servers', 'url');
    repeated(doc.tenants.map((t) => t.name), 'tenants', 'name');
  })
  .meta({ id: 'ConfigDocument' });

export const ImportAction = z.enum(['create', 'update', 'unchanged']);
export const Plan = z.object({
  dryRun: z.boolean(),
  servers: z.array(z.object({ url: z.string(), action: ImportAction })),
  tenants: z.array(z.object({ name: z.string(), action: ImportAction })),
});

export const ImportQuery = z.object({ dryRun: queryFlag.default(false) });
