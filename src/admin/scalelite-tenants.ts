import * as z from 'zod';
import { isValid, storableText, TenantId } from '../ids.js';
import { getTenant, insertTenant, listTenants, updateTenant, type TenantRow } from '../store/tenants.js';
import { removeTenant } from '../tenancy/removal.js';
import { invalidateTenants } from '../tenancy/tenant-cache.js';
import { DEFAULT_TENANT, tenantLabel } from '../tenancy/tenant.js';
import { adminRoute, AdminResponse, refuse, type AdminHandler, type AdminRoute } from './response.js';
import { fingerprint } from './v1/present.js';

/**
 * Scalelite's tenant admin API. As there, every call answers 412 while multitenancy is off (the
 * dispatcher checks it first), and `secrets` is a `:`-separated list. Unlike Scalelite, secrets never leave the balancer: they are
 * `[redacted]`, with a fingerprint each so an operator can tell which are configured.
 */
async function tenantJson(t: TenantRow): Promise<Record<string, unknown>> {
  return {
    id: t.id,
    name: t.name,
    secrets: '[redacted]',
    secret_fingerprints: await Promise.all(t.secrets.map(fingerprint)),
    enabled: t.enabled,
  };
}

const notFound = (id: unknown): never => {
  throw refuse('not_found', `Couldn't find Tenant with id=${String(id)}`);
};
const secretList = (v: string | undefined) => v?.trim().split(':').map((s) => s.trim()).filter(Boolean);

/** Tenant names are the first DNS label of their host, so nothing else can ever be resolved. */
const validName = (name: string) => tenantLabel(name, '') === name;

/** Scalelite's bodies, strictly: `secrets` is one `:`-separated string, as there. */
const Id = z.string().optional();
const TenantFields = z.object({ name: storableText(256).optional(), secrets: storableText(16 * 1024).optional() }).strict();
const AddTenantBody = z.object({ tenant: TenantFields.optional() }).strict();
const UpdateTenantBody = z.object({ id: Id, tenant: TenantFields.optional() }).strict();
const IdBody = z.object({ id: Id }).strict();

/** An id the default tenant's or one that cannot be an id is unknown here (never sent to Postgres). */
const tenantId = (id: unknown): string | undefined => (isValid(TenantId, id) && id.trim() !== DEFAULT_TENANT ? id.trim() : undefined);

async function changed(row: TenantRow | undefined, status: number, id: unknown): Promise<AdminResponse> {
  invalidateTenants();
  return row ? new AdminResponse(status, { tenant: await tenantJson(row) }) : notFound(id);
}

const getTenants: AdminHandler<unknown> = async (svc) => {
  const rows = (await listTenants(svc.sql)).filter((t) => t.id !== DEFAULT_TENANT);
  if (rows.length === 0) return new AdminResponse(200, { message: 'No tenants exist' });
  return new AdminResponse(200, await Promise.all(rows.map(tenantJson)));
};

const getTenantInfo: AdminHandler<unknown> = async (svc, { query }) => {
  const id = tenantId(query.get('id'));
  const row = id ? await getTenant(svc.sql, id) : undefined;
  return row ? new AdminResponse(200, await tenantJson(row)) : notFound(query.get('id') ?? '');
};

const addTenant: AdminHandler<z.output<typeof AddTenantBody>> = async (svc, { body }) => {
  const name = body.tenant?.name?.trim().toLowerCase();
  const secrets = secretList(body.tenant?.secrets);
  if (!name || !secrets?.length) {
    throw refuse('bad_request', 'Error: both name and secrets are required to create a Tenant', 'message');
  }
  if (!validName(name)) throw refuse('bad_request', 'Error: a tenant name must be a DNS label (a-z, 0-9, -)', 'message');
  const row = await insertTenant(svc.sql, { name, secrets });
  if (!row) throw refuse('unprocessable', `A tenant named ${name} already exists`);
  return changed(row, 201, row.id);
};

const updateTenantHandler: AdminHandler<z.output<typeof UpdateTenantBody>> = async (svc, { body }) => {
  const id = tenantId(body.id);
  if (!id || !(await getTenant(svc.sql, id))) return notFound(body.id);
  const name = body.tenant?.name?.trim().toLowerCase();
  if (name !== undefined && !validName(name)) throw refuse('unprocessable', 'A tenant name must be a DNS label (a-z, 0-9, -)');
  const secrets = secretList(body.tenant?.secrets);
  if (secrets && secrets.length === 0) throw refuse('unprocessable', 'A tenant needs at least one secret');
  try {
    return await changed(await updateTenant(svc.sql, id, { ...(name ? { name } : {}), ...(secrets ? { secrets } : {}) }), 200, id);
  } catch {
    throw refuse('unprocessable', `Couldn't update tenant id=${id} (is the name taken?)`);
  }
};

const deleteTenantHandler: AdminHandler<z.output<typeof IdBody>> = async (svc, { body }) => {
  const id = tenantId(body.id);
  const removal = id ? await removeTenant(svc, id) : ({ outcome: 'missing' } as const);
  if (removal.outcome === 'missing') return notFound(body.id);
  if (removal.outcome === 'in_use') throw refuse('unprocessable', `Couldn't destroy tenant id=${id}: ${removal.reason}`);
  return new AdminResponse(200, { success: `Tenant id=${id} was destroyed` });
};

export const tenantHandlers: Record<string, AdminRoute> = {
  getTenants: adminRoute({ method: 'GET', tenants: true, handler: getTenants }),
  getTenantInfo: adminRoute({ method: 'GET', tenants: true, handler: getTenantInfo }),
  addTenant: adminRoute({ method: 'POST', tenants: true, body: AddTenantBody, handler: addTenant }),
  updateTenant: adminRoute({ method: 'POST', tenants: true, body: UpdateTenantBody, handler: updateTenantHandler }),
  deleteTenant: adminRoute({ method: 'POST', tenants: true, body: IdBody, handler: deleteTenantHandler }),
};
