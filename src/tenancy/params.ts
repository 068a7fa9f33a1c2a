import type { Params } from '../bbb/query.js';
import type { TenantParamPolicy } from '../tenant-settings.js';

export interface ParamPolicy {
  defaults: [string, string][];
  overrides: [string, string][];
  exclude: string[];
}

/**
 * Scalelite's order: excluded params removed, then defaults (only where the client sent nothing;
 * their keys come first), the client's params, and overrides last (always win).
 */
export function applyParamPolicy(params: Params, policy: ParamPolicy, drop: string[] = ['checksum']): [string, string][] {
  const merged = new Map<string, string>();
  const sent = params.filter(([k]) => !policy.exclude.includes(k) && !drop.includes(k));
  for (const [k, v] of policy.defaults) merged.set(k, v);
  for (const [k, v] of sent) merged.set(k, v);
  for (const [k, v] of policy.overrides) merged.set(k, v);
  return [...merged];
}

/** Replaces (or appends) one param, keeping the order of the rest. */
export function setParam(params: [string, string][], key: string, value: string | undefined): [string, string][] {
  const out = params.filter(([k]) => k !== key);
  if (value !== undefined) {
    const i = params.findIndex(([k]) => k === key);
    out.splice(i < 0 ? out.length : i, 0, [key, value]);
  }
  return out;
}

/**
 * A tenant's policy, applied after the global one: blocked params go, defaults fill what is
 * missing, overrides win, and maximums cap numeric params (absent or 0 means unlimited in BBB,
 * so they are capped too).
 */
export function applyTenantPolicy(params: [string, string][], policy: TenantParamPolicy | undefined): [string, string][] {
  if (!policy) return params;
  let out = params.filter(([k]) => !policy.block.includes(k));
  for (const [k, v] of Object.entries(policy.defaults)) if (!out.some(([key]) => key === k)) out.push([k, v]);
  for (const [k, v] of Object.entries(policy.overrides)) out = setParam(out, k, v);
  for (const [k, max] of Object.entries(policy.max)) {
    const current = Number(out.find(([key]) => key === k)?.[1] ?? 0);
    if (!(current > 0) || current > max) out = setParam(out, k, String(max));
  }
  return out;
}
