import { deleteTenant, getTenant, insertTenant, listTenants, updateTenant, type TenantRow } from '../store/tenants.js';
import { invalidateTenants } from '../tenancy/tenant-cache.js';
import { tenantLabel } from '../tenancy/tenant.js';
import { AdminResponse, type AdminHandler } from './response.js';
import { fingerprint } from './v1/present.js';

/**
 * Scalelite's tenant admin API. As there, every call answers 412 while multitenancy is off, and
 * `secrets` is a `:`-separated list. Unlike Scalelite, secrets never leave the balancer: they are
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

const disabled = new AdminResponse(412, { message: 'Multitenancy is disabled' });
const notFound = (id: unknown) => new AdminResponse(404, { error: `Couldn't find Tenant with id=${String(id)}` });
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
const secretList = (v: unknown) => text(v)?.split(':').map((s) => s.trim()).filter(Boolean);

/** Tenant names are the first DNS label of their host, so nothing else can ever be resolved. */
const validName = (name: string) => tenantLabel(name, '') === name;

function onlyWithMultitenancy(handler: AdminHandler): AdminHandler {
  return (svc, input) => (svc.cfg.multitenancy ? handler(svc, input) : Promise.resolve(disabled));
}

async function changed(row: TenantRow | undefined, status: number, id: unknown): Promise<AdminResponse> {
  invalidateTenants();
  return row ? new AdminResponse(status, { tenant: await tenantJson(row) }) : notFound(id);
}

const getTenants: AdminHandler = async (svc) => {
  const rows = (await listTenants(svc.sql)).filter((t) => t.id !== 'default');
  if (rows.length === 0) return new AdminResponse(200, { message: 'No tenants exist' });
  return new AdminResponse(200, await Promise.all(rows.map(tenantJson)));
};

const getTenantInfo: AdminHandler = async (svc, { query }) => {
  const id = query.get('id') ?? '';
  const row = id && id !== 'default' ? await getTenant(svc.sql, id) : undefined;
  return row ? new AdminResponse(200, await tenantJson(row)) : notFound(id);
};

const addTenant: AdminHandler = async (svc, { body }) => {
  const t = (body.tenant ?? {}) as Record<string, unknown>;
  const name = text(t.name)?.toLowerCase();
  const secrets = secretList(t.secrets);
  if (!name || !secrets?.length) {
    return new AdminResponse(400, { message: 'Error: both name and secrets are required to create a Tenant' });
  }
  if (!validName(name)) return new AdminResponse(400, { message: 'Error: a tenant name must be a DNS label (a-z, 0-9, -)' });
  const row = await insertTenant(svc.sql, { name, secrets });
  if (!row) return new AdminResponse(422, { error: `A tenant named ${name} already exists` });
  return changed(row, 201, row.id);
};

const updateTenantHandler: AdminHandler = async (svc, { body }) => {
  const id = text(body.id);
  if (!id || id === 'default' || !(await getTenant(svc.sql, id))) return notFound(body.id);
  const t = (body.tenant ?? {}) as Record<string, unknown>;
  const name = text(t.name)?.toLowerCase();
  if (name !== undefined && !validName(name)) return new AdminResponse(422, { error: 'A tenant name must be a DNS label (a-z, 0-9, -)' });
  const secrets = secretList(t.secrets);
  if (secrets && secrets.length === 0) return new AdminResponse(422, { error: 'A tenant needs at least one secret' });
  try {
    return await changed(await updateTenant(svc.sql, id, { ...(name ? { name } : {}), ...(secrets ? { secrets } : {}) }), 200, id);
  } catch {
    return new AdminResponse(422, { error: `Couldn't update tenant id=${id} (is the name taken?)` });
  }
};

const deleteTenantHandler: AdminHandler = async (svc, { body }) => {
  const id = text(body.id);
  if (!id || id === 'default') return notFound(body.id);
  try {
    if (!(await deleteTenant(svc.sql, id))) return notFound(id);
  } catch {
    // Its recordings and callback history still refer to it.
    return new AdminResponse(422, { error: `Couldn't destroy tenant id=${id}: it still has recordings or callback history` });
  }
  invalidateTenants();
  return new AdminResponse(200, { success: `Tenant id=${id} was destroyed` });
};

export const tenantHandlers: Record<string, { method: 'GET' | 'POST'; handler: AdminHandler }> = {
  getTenants: { method: 'GET', handler: onlyWithMultitenancy(getTenants) },
  getTenantInfo: { method: 'GET', handler: onlyWithMultitenancy(getTenantInfo) },
  addTenant: { method: 'POST', handler: onlyWithMultitenancy(addTenant) },
  updateTenant: { method: 'POST', handler: onlyWithMultitenancy(updateTenantHandler) },
  deleteTenant: { method: 'POST', handler: onlyWithMultitenancy(deleteTenantHandler) },
};
