import { log } from '../observability/log.js';
import { fingerprint } from './v1/present.js';

/**
 * The event of one admin change, on either admin API: who (the fingerprint of the token or secret
 * that authorized it, never the token), what (the call and its target), and the fields that
 * changed, before → after, read from the resource as the API presents it (secrets appear there
 * only as fingerprints).
 */
interface AdminChange {
  api: 'v1' | 'scalelite';
  /** fingerprint() of the credential. */
  actor: string;
  /** `PATCH /servers/{id}`, or Scalelite's call name. */
  action: string;
  target: Record<string, unknown>;
  status: number;
  before?: unknown;
  after?: unknown;
}

/**
 * A field named like a credential, at any depth, is never written, only that it changed: the
 * resources hold some in the clear (a tenant's LRS password and Keycloak client secret).
 */
const CREDENTIAL = /secret|token|password|pw$/i;
const FINGERPRINT = /fingerprint/i;

function safe(key: string, value: unknown): unknown {
  if (CREDENTIAL.test(key) && !FINGERPRINT.test(key)) return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => safe('', v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safe(k, v)]));
  return value;
}

/** The top-level fields whose values differ, as {field: {from, to}}; a created or removed resource as a whole. */
function changedFields(before: unknown, after: unknown): Record<string, { from: unknown; to: unknown }> {
  const b = before && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const a = after && typeof after === 'object' ? (after as Record<string, unknown>) : {};
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    out[key] = { from: safe(key, b[key] ?? null), to: safe(key, a[key] ?? null) };
  }
  return out;
}

/** Kept at LOG_LEVEL=notice; a refused call (4xx) changed nothing and is left to the request line. */
function logAdminChange(c: AdminChange): void {
  if (c.status >= 400) return;
  const target = Object.fromEntries(Object.entries(c.target).map(([k, v]) => [k, safe(k, v)]));
  const changes = c.before === undefined && c.after === undefined ? undefined : changedFields(c.before, c.after);
  log('notice', 'admin change', { api: c.api, actor: c.actor, action: c.action, target, status: c.status, changes });
}

/**
 * Makes one admin change and logs its event: the resource read before and after when `read` can
 * present it (a failed read counts as absent: the change goes on), else what the change created.
 * A change that throws logs nothing here (nothing changed; the request line has the error).
 */
export async function audited<R>(c: {
  api: AdminChange['api'];
  action: string;
  target: Record<string, unknown>;
  /** The credential that authorized the call; only its fingerprint is logged. */
  credential: () => Promise<string>;
  read?: () => Promise<unknown>;
  change: () => Promise<R>;
  outcome: (r: R) => { status: number; created?: unknown };
}): Promise<R> {
  const present = c.read;
  const read = present && (() => present().catch(() => undefined));
  const before = read && (await read());
  const result = await c.change();
  const { status, created } = c.outcome(result);
  const after = read ? await read() : created;
  logAdminChange({
    api: c.api,
    actor: await fingerprint(await c.credential()),
    action: c.action,
    target: c.target,
    status,
    ...(read || after !== undefined ? { before, after } : {}),
  });
  return result;
}
