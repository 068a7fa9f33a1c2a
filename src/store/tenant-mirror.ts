import { readSettings } from '../tenant-settings.js';
import type { TenantRow } from './tenants.js';

/**
 * The tenant mirror in Redis: one JSON list of [id, name, enabled 1|0, secrets, settings], compact
 * because only an isolate that starts while Postgres is down reads it.
 */
export function encodeTenantMirror(rows: TenantRow[]): string {
  return JSON.stringify(rows.map((t) => [t.id, t.name, t.enabled ? 1 : 0, t.secrets, t.settings]));
}

/** The mirrored rows; null when there is no mirror (or not one this version wrote): nothing to serve. */
export function decodeTenantMirror(raw: string | null): TenantRow[] | null {
  let list: unknown;
  try {
    list = raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(list) || !list.every(isEntry)) return null;
  return list.map(([id, name, enabled, secrets, settings]) => ({ id, name, enabled: enabled === 1, secrets, settings: readSettings(settings) }));
}

function isEntry(e: unknown): e is [string, string, 0 | 1, string[], unknown] {
  return (
    Array.isArray(e) &&
    e.length === 5 &&
    typeof e[0] === 'string' &&
    typeof e[1] === 'string' &&
    (e[2] === 0 || e[2] === 1) &&
    Array.isArray(e[3]) &&
    e[3].every((s) => typeof s === 'string')
  );
}
