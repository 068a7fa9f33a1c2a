import { countAdminPanic } from '../observability/counters.js';
import type { Services } from '../services.js';
import * as db from '../store/servers.js';
import type { ServerCapacity, ServerRow, ServerState } from '../store/servers.js';
import { knownTenants } from '../tenancy/tenant.js';
import { forEachLimited } from './concurrency.js';
import { callServer } from './node.js';
import { freshServerMap, invalidateServers } from './server-cache.js';

/**
 * The pool's servers: Postgres is the source of truth, and every change is mirrored into Redis at
 * once so placement sees it without waiting for the next poll.
 */

async function mirror(svc: Services, changed: ServerRow[]): Promise<void> {
  invalidateServers();
  const all = [...(await freshServerMap(svc.sql)).values()];
  await svc.cluster.apply({
    full: false,
    now: Date.now(),
    routeTtlSeconds: svc.cfg.meetingTtlSeconds,
    thresholds: { healthy: svc.cfg.healthyThreshold, unhealthy: svc.cfg.unhealthyThreshold, panic: svc.cfg.panicThreshold },
    servers: changed.map((server) => ({ server })),
    tags: all.map((s) => s.tag ?? 'none'),
    tenants: await knownTenants(svc),
  });
}

/** Server ids are random UUIDs, or the URL's host with SERVER_ID_IS_HOSTNAME (as Scalelite). */
export async function addServer(
  svc: Services,
  s: { url: string; secret: string; tag: string | null; loadMultiplier: number; proxyBasename?: string | null } & Partial<ServerCapacity>,
): Promise<ServerRow | undefined> {
  const id = svc.cfg.serverIdIsHostname ? new URL(s.url).hostname.toLowerCase() : undefined;
  const row = await db.insertServer(svc.sql, { ...s, ...(id ? { id } : {}) });
  if (row) await mirror(svc, [row]);
  return row;
}

export async function changeServer(
  svc: Services,
  id: string,
  patch: Partial<{ secret: string; tag: string | null; state: ServerState; loadMultiplier: number; proxyBasename: string | null } & ServerCapacity>,
): Promise<ServerRow | undefined> {
  const row = await db.updateServer(svc.sql, id, patch);
  if (row) await mirror(svc, [row]);
  return row;
}

/** State changes the poller decides (cordoned → disabled once empty); the poll cycle mirrors them. */
export async function changeServerStates(svc: Services, ids: string[], from: ServerState, to: ServerState): Promise<ServerRow[]> {
  const rows = await db.transitionServers(svc.sql, ids, from, to);
  if (rows.length > 0) invalidateServers();
  return rows;
}

/** Starts (a secret) or cancels (null) a node secret rotation (docs/secret-rotation.md). */
export async function setSecretNext(svc: Services, id: string, secretNext: string | null): Promise<ServerRow | undefined> {
  const row = await db.setSecretNext(svc.sql, id, secretNext);
  if (row) await mirror(svc, [row]);
  return row;
}

/**
 * The node took the pending secret: it becomes the secret, so the old one is refused from now on.
 * Safe to repeat and to race (only a row still holding that pending secret changes); the poll
 * mirrors what it promotes itself, in its one write.
 */
export async function promoteSecrets(svc: Services, servers: ServerRow[]): Promise<ServerRow[]> {
  const rows = (await Promise.all(servers.map((s) => s.secretNext && db.promoteSecretNext(svc.sql, s.id, s.secretNext)))).filter(
    (r): r is ServerRow => !!r,
  );
  if (rows.length > 0) invalidateServers();
  return rows;
}

/** promoteSecrets for one server outside the poll (API calls, the admin API), mirrored at once. */
export async function promoteSecret(svc: Services, server: ServerRow): Promise<ServerRow | undefined> {
  const [row] = await promoteSecrets(svc, [server]);
  if (row) await mirror(svc, [row]);
  return row;
}

export async function removeServer(svc: Services, id: string): Promise<boolean> {
  const server = await db.getServer(svc.sql, id);
  if (!server || !(await db.deleteServer(svc.sql, id))) return false;
  invalidateServers();
  const tags = [...(await freshServerMap(svc.sql)).values()].map((s) => s.tag ?? 'none');
  await svc.cluster.removeServer(id, [...tags, server.tag ?? 'none'], await knownTenants(svc));
  return true;
}

/**
 * Panic: forget every meeting on the server (so re-creates land elsewhere), ask the server to end
 * them (failures ignored: a panicked server is often dead), and disable it unless keepState.
 */
export async function panicServer(svc: Services, server: ServerRow, keepState: boolean): Promise<number> {
  const meetings = await svc.routes.forgetServer(server.id, await knownTenants(svc));
  countAdminPanic(svc, server.id);
  const [health] = (await svc.cluster.health([server])).values();
  await forEachLimited(meetings, svc.cfg.pollConcurrency, async (m) => {
    const params: [string, string][] = [['meetingID', m.meetingID]];
    if (m.moderatorPW) params.push(['password', m.moderatorPW]);
    await callServer(svc.cfg, server, 'end', params, { online: health?.online ?? false }).catch(() => undefined);
  });
  if (!keepState) await changeServer(svc, server.id, { state: 'disabled' });
  return meetings.length;
}
