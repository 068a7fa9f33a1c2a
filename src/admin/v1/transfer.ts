import type * as z from 'zod';
import type { Services } from '../../services.js';
import { listServers, type ServerRow } from '../../store/servers.js';
import { insertTenant, listTenants, updateTenant, type TenantRow } from '../../store/tenants.js';
import { invalidateTenants } from '../../tenancy/tenant-cache.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import { capacitiesOrUnknown, knownCapacities } from '../../cluster/capacity.js';
import { ApiError, operation } from './operation.js';
import { ConfigDocument, ExportedServer, ExportedTenant, ImportQuery, Plan, type ImportAction } from './schemas/transfer.js';
import { createServer, reviseServer } from './servers/servers.js';
import { requireMultitenancy } from './tenants.js';

/**
 * The whole configuration as one JSON document, secrets included (the one place they leave the
 * balancer), and its import: servers matched by URL, tenants by name, created or updated to match
 * the document; nothing absent from it is deleted, so importing twice changes nothing the second time.
 */

type Doc = z.output<typeof ConfigDocument>;
type Action = z.output<typeof ImportAction>;

/** JSON with sorted keys, so stored settings compare equal to the same settings in another order. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );

const exportServer = (s: ServerRow): z.input<typeof ExportedServer> => ({
  url: s.url,
  secret: s.secret,
  tag: s.tag,
  loadMultiplier: s.loadMultiplier,
  state: s.state,
  // Only when set, so documents of pools without overrides or capacities stay as they were.
  ...(s.proxyBasename ? { proxyBasename: s.proxyBasename } : {}),
  ...knownCapacities(s),
});

const exportTenant = (t: TenantRow): z.output<typeof ExportedTenant> => ({ name: t.name, enabled: t.enabled, secrets: t.secrets, settings: t.settings });

async function exportConfig(svc: Services): Promise<z.input<typeof ConfigDocument>> {
  const [servers, tenants] = await Promise.all([listServers(svc.sql), listTenants(svc.sql)]);
  return { version: 1, exportedAt: new Date().toISOString(), servers: servers.map(exportServer), tenants: tenants.map(exportTenant) };
}

const action = <T>(current: T | undefined, same: (c: T) => boolean): Action => (!current ? 'create' : same(current) ? 'unchanged' : 'update');

async function importConfig(svc: Services, doc: Doc, dryRun: boolean): Promise<z.input<typeof Plan>> {
  const [servers, tenants] = await Promise.all([listServers(svc.sql), listTenants(svc.sql)]);
  const serverByUrl = new Map(servers.map((s) => [s.url, s]));
  const tenantByName = new Map(tenants.map((t) => [t.name, t]));
  const plan: z.input<typeof Plan> = { dryRun, servers: [], tenants: [] };
  const tenantActions = doc.tenants.map((t) => {
    const current = tenantByName.get(t.name);
    return { t, current, act: action(current, (c) => canonical(exportTenant(c)) === canonical(t)) };
  });
  // Checked before anything is written: a tenant created or changed without multitenancy would never be used.
  if (tenantActions.some(({ t, act }) => act !== 'unchanged' && t.name !== DEFAULT_TENANT)) requireMultitenancy(svc);
  for (const s of doc.servers) {
    const { proxyBasename, capacityUsers, capacityMeetings, capacityVideoStreams, ...fields } = s;
    // Absent and null are alike (the default basename, an unknown capacity), as in the export.
    const wanted = { ...fields, tag: s.tag || null, ...(proxyBasename ? { proxyBasename } : {}), ...knownCapacities(s) };
    const current = serverByUrl.get(s.url);
    const act = action(current, (c) => canonical(exportServer(c)) === canonical(wanted));
    plan.servers.push({ url: s.url, action: act });
    if (dryRun || act === 'unchanged') continue;
    if (current) {
      const { secret, tag, loadMultiplier, state } = wanted;
      await reviseServer(svc, current, { secret, tag, loadMultiplier, state, proxyBasename: proxyBasename ?? null, ...capacitiesOrUnknown(s) });
    }
    else if (!(await createServer(svc, wanted))) {
      // With SERVER_ID_IS_HOSTNAME, another URL on the same host already has this id.
      throw new ApiError(409, 'conflict', `Server ${s.url} could not be created: its id is taken; items before it were imported`);
    }
  }
  for (const { t, current, act } of tenantActions) {
    plan.tenants.push({ name: t.name, action: act });
    if (dryRun || act === 'unchanged') continue;
    if (current) await updateTenant(svc.sql, current.id, { enabled: t.enabled, settings: t.settings, secrets: t.secrets });
    else await insertTenant(svc.sql, t);
  }
  if (!dryRun) invalidateTenants();
  return plan;
}

export const transferOperations = [
  operation({
    method: 'get',
    path: '/config/export',
    tag: 'config',
    summary: 'Export servers and tenants WITH their secrets (sensitive: store it like a secret)',
    description:
      'The one answer that carries secrets: every server secret and tenant secret in clear, so the document can rebuild the ' +
      'configuration elsewhere. Keep it in a secret store or encrypted; never commit or share it.',
    response: ConfigDocument,
    handler: async ({ svc }) => exportConfig(svc),
  }),
  operation({
    method: 'post',
    path: '/config/import',
    tag: 'config',
    summary: 'Import an exported document: servers by URL, tenants by name; ?dryRun=true only plans',
    query: ImportQuery,
    body: ConfigDocument,
    response: Plan,
    errors: [409, 412],
    handler: async ({ svc, query, body }) => importConfig(svc, body, query.dryRun),
  }),
];
