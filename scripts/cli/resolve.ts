import type { Server, ServerList, Tenant, TenantList } from './api-types.js';
import type { AdminClient } from './client.js';
import { str, type Invocation } from './command.js';
import type { z } from 'zod';
import { CliError, usageError } from './errors.js';

/**
 * Operators name things as they see them: a server by id, URL or host name (with or without its
 * port), a tenant by id or name. One list call finds it; more than one match is refused, not guessed.
 */

/** The names a server answers to besides its id and URL: its host, with and without the port. */
const hostsOf = (url: string): string[] => {
  try {
    const u = new URL(url);
    return [u.hostname, u.host];
  } catch {
    return [];
  }
};

function pick<T>(matches: T[], what: string, ref: string): T {
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new CliError(`No ${what} ${JSON.stringify(ref)}`);
  throw new CliError(`${JSON.stringify(ref)} names ${matches.length} ${what}s: use the id`);
}

export async function listServers(client: AdminClient): Promise<Server[]> {
  return (await client.call<ServerList>('GET', '/servers')).servers;
}

export async function findServer(client: AdminClient, ref: string): Promise<Server> {
  const servers = await listServers(client);
  const byId = servers.filter((s) => s.id === ref);
  if (byId.length === 1) return byId[0]!;
  const byUrl = servers.filter((s) => s.url === ref);
  return pick(byUrl.length ? byUrl : servers.filter((s) => hostsOf(s.url).includes(ref.toLowerCase())), 'server', ref);
}

export async function findTenant(client: AdminClient, ref: string): Promise<Tenant> {
  const { tenants } = await client.call<TenantList>('GET', '/tenants');
  const byId = tenants.filter((t) => t.id === ref);
  return pick(byId.length ? byId : tenants.filter((t) => t.name === ref), 'tenant', ref);
}

/** The option of commands that act on one tenant: its id or name (the default tenant without it). */
export const tenantOption = { tenant: { type: 'string' } } as const;

/** `?tenant=<id>` for `--tenant <id|name>` (one more call to find it), with the `params` that are set. */
export async function tenantQuery(inv: Invocation, params: Record<string, string | number | undefined> = {}): Promise<string> {
  const ref = str(inv.values, 'tenant');
  const tenant = ref ? (await findTenant(inv.client, ref)).id : undefined;
  const query = new URLSearchParams(Object.entries({ tenant, ...params }).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();
  return query ? `?${query}` : '';
}

/** An API path with each part escaped: apiPath('servers', id) is `/servers/<id>`. */
export const apiPath = (...parts: string[]) => `/${parts.map(encodeURIComponent).join('/')}`;

/** An id from the command line, checked by the balancer's own schema (src/ids.ts): a usage error rather than a call. */
export function checkedArg(schema: z.ZodType, value: string, what: string): string {
  const r = schema.safeParse(value);
  if (!r.success) throw usageError(`${what} ${JSON.stringify(value)} ${r.error.issues[0]!.message}`);
  return value;
}
