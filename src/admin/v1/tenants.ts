import type * as z from 'zod';
import type { Services } from '../../services.js';
import { getTenant, insertTenant, listTenants, updateTenant, type TenantRow } from '../../store/tenants.js';
import { removeTenant } from '../../tenancy/removal.js';
import { invalidateTenants } from '../../tenancy/tenant-cache.js';
import { DEFAULT_TENANT, MULTITENANCY_DISABLED, tenantById, type Tenant } from '../../tenancy/tenant.js';
import { ApiError, notFound, operation, type OperationContext } from './operation.js';
import { Success, TenantIdParams } from './schemas/common.js';
import { AddSecretBody, AddTenant, SecretParams, SecretsSchema, TenantList, TenantSchema, UpdateTenant } from './schemas/tenants.js';
import { fingerprint } from './present.js';

const secretsOf = async (t: TenantRow) => Promise.all(t.secrets.map(async (s) => ({ fingerprint: await fingerprint(s) })));

const present = async (t: TenantRow): Promise<z.input<typeof TenantSchema>> => ({
  id: t.id,
  name: t.name,
  enabled: t.enabled,
  settings: t.settings,
  secrets: await secretsOf(t),
});

/** The tenant, or a 404. */
export async function existingTenant(svc: Services, id: string): Promise<TenantRow> {
  const row = await getTenant(svc.sql, id);
  if (!row) throw notFound('tenant', id);
  return row;
}

/** Tenants are written only with multitenancy on, as Scalelite's tenant API (412 otherwise). */
export function requireMultitenancy(svc: Services): void {
  if (!svc.cfg.multitenancy) throw new ApiError(412, 'multitenancy_disabled', MULTITENANCY_DISABLED);
}

/**
 * The tenant whose meetings, recordings or callbacks are asked for, as the BBB API sees it (the
 * default one keeps the global secrets); 404 when unknown, or another tenant while multitenancy is off.
 */
export async function tenantScope(ctx: OperationContext, id: string): Promise<Tenant> {
  const tenant = await tenantById(ctx.svc, id, ctx.waitUntil);
  if (!tenant) throw notFound('tenant', id);
  return tenant;
}

/** Postgres' SQLSTATE of a failed statement, as the Neon driver reports it. */
const sqlState = (e: unknown) => (e && typeof e === 'object' && 'code' in e ? String(e.code) : '');

/** Applies the patch; a unique-name clash (23505) is a 409. */
async function change(svc: Services, id: string, patch: Parameters<typeof updateTenant>[2]): Promise<TenantRow> {
  requireMultitenancy(svc);
  const row = await updateTenant(svc.sql, id, patch).catch((e: unknown) => {
    if (sqlState(e) === '23505') throw new ApiError(409, 'conflict', 'A tenant with this name already exists');
    throw e;
  });
  invalidateTenants();
  if (!row) throw notFound('tenant', id);
  return row;
}

export const tenantOperations = [
  operation({
    method: 'get',
    path: '/tenants',
    tag: 'tenants',
    summary: 'Every tenant (secrets as fingerprints)',
    response: TenantList,
    handler: async ({ svc }) => ({ tenants: await Promise.all((await listTenants(svc.sql)).map(present)) }),
  }),
  operation({
    method: 'get',
    path: '/tenants/{id}',
    tag: 'tenants',
    summary: 'One tenant',
    params: TenantIdParams,
    response: TenantSchema,
    errors: [404],
    handler: async ({ svc, params }) => present(await existingTenant(svc, params.id)),
  }),
  operation({
    method: 'post',
    path: '/tenants',
    tag: 'tenants',
    summary: 'Add a tenant with at least one secret',
    body: AddTenant,
    response: TenantSchema,
    status: 201,
    errors: [409, 412],
    handler: async ({ svc, body }) => {
      requireMultitenancy(svc);
      const row = await insertTenant(svc.sql, body);
      invalidateTenants();
      if (!row) throw new ApiError(409, 'conflict', 'A tenant with this name already exists');
      return present(row);
    },
  }),
  operation({
    method: 'patch',
    path: '/tenants/{id}',
    tag: 'tenants',
    summary: 'Rename, enable/disable, or replace the settings',
    params: TenantIdParams,
    body: UpdateTenant,
    response: TenantSchema,
    errors: [404, 409, 412],
    handler: async ({ svc, params, body }) => present(await change(svc, params.id, body)),
  }),
  operation({
    method: 'delete',
    path: '/tenants/{id}',
    tag: 'tenants',
    summary: 'Delete a tenant without running meetings or recordings (its meeting history and callbacks go with it)',
    params: TenantIdParams,
    response: Success,
    errors: [404, 409, 412],
    handler: async ({ svc, params }) => {
      requireMultitenancy(svc);
      if (params.id === DEFAULT_TENANT) throw new ApiError(409, 'default_tenant', 'The default tenant cannot be deleted');
      const removal = await removeTenant(svc, params.id);
      if (removal.outcome === 'in_use') throw new ApiError(409, 'tenant_in_use', removal.reason);
      if (removal.outcome === 'missing') throw notFound('tenant', params.id);
      return { ok: true as const };
    },
  }),
  operation({
    method: 'get',
    path: '/tenants/{id}/secrets',
    tag: 'tenants',
    summary: "The tenant's secrets as fingerprints, oldest first",
    params: TenantIdParams,
    response: SecretsSchema,
    errors: [404],
    handler: async ({ svc, params }) => ({ secrets: await secretsOf(await existingTenant(svc, params.id)) }),
  }),
  operation({
    method: 'post',
    path: '/tenants/{id}/secrets',
    tag: 'tenants',
    summary: 'Add a secret (rotation: add the new one, switch the LMS, remove the old one)',
    params: TenantIdParams,
    body: AddSecretBody,
    response: SecretsSchema,
    status: 201,
    errors: [404, 412],
    handler: async ({ svc, params, body }) => ({ secrets: await secretsOf(await change(svc, params.id, { addSecrets: [body.secret] })) }),
  }),
  operation({
    method: 'delete',
    path: '/tenants/{id}/secrets/{fingerprint}',
    tag: 'tenants',
    summary: 'Remove the secret with this fingerprint (never the last one)',
    params: SecretParams,
    response: SecretsSchema,
    errors: [404, 409, 412],
    handler: async ({ svc, params }) => {
      requireMultitenancy(svc);
      const tenant = await existingTenant(svc, params.id);
      const prints = await secretsOf(tenant);
      const doomed = tenant.secrets.filter((_, i) => prints[i]!.fingerprint === params.fingerprint);
      if (doomed.length === 0) throw new ApiError(404, 'not_found', `The tenant has no secret with fingerprint ${params.fingerprint}`);
      if (doomed.length === tenant.secrets.length) {
        throw new ApiError(409, 'last_secret', "The tenant's last secret cannot be removed; add its successor first");
      }
      return { secrets: await secretsOf(await change(svc, tenant.id, { removeSecrets: doomed })) };
    },
  }),
];
