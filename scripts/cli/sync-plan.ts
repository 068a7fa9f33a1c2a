import type { ImportPlan, Server } from './api-types.js';

/**
 * What `scaleflare sync` will do, decided before anything is written. Listed servers and tenants
 * are created or updated by the admin API's import (its dry run gives their part of the plan);
 * unlisted servers follow the mode, as Scalelite's servers:sync: `keep` leaves them, `cordon`
 * cordons them (a disabled one stays disabled), `force` removes them — one with meetings only
 * with --force, which ends them first.
 */

export const SYNC_MODES = ['keep', 'cordon', 'force'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

export type SyncAction = 'create' | 'update' | 'unchanged' | 'cordon' | 'remove';

export interface SyncStep {
  kind: 'server' | 'tenant';
  name: string;
  action: SyncAction;
  /** The unlisted server a cordon or removal applies to. */
  server?: Server;
  /** A removal the command line does not allow: the server still has meetings. */
  refused?: boolean;
}

function unlisted(s: Server, mode: SyncMode, force: boolean): SyncStep {
  const step = { kind: 'server' as const, name: s.url, server: s };
  if (mode === 'cordon' && s.state === 'enabled') return { ...step, action: 'cordon' };
  if (mode === 'force') return { ...step, action: 'remove', ...(s.health.meetings > 0 && !force ? { refused: true } : {}) };
  return { ...step, action: 'unchanged' };
}

export function syncPlan(listed: ImportPlan, current: Server[], mode: SyncMode, force: boolean): SyncStep[] {
  const urls = new Set(listed.servers.map((s) => s.url));
  return [
    ...listed.servers.map((s): SyncStep => ({ kind: 'server', name: s.url, action: s.action })),
    ...current.filter((s) => !urls.has(s.url)).map((s) => unlisted(s, mode, force)),
    ...listed.tenants.map((t): SyncStep => ({ kind: 'tenant', name: t.name, action: t.action })),
  ];
}

/** Whether the import has anything to write. */
export const importNeeded = (listed: ImportPlan) => [...listed.servers, ...listed.tenants].some((x) => x.action !== 'unchanged');
