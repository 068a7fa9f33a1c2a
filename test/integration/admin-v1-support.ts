/** Calls to the JSON admin API (/admin/v1) through the real Worker, with its token configured. */
import { env } from 'cloudflare:workers';
import { services } from '../../src/services';
import { BASE, send } from './support';

export const TOKEN = 'admin-token-new';
export const OLD_TOKEN = 'admin-token-old';
export const ADMIN_ENV = { ADMIN_TOKEN: `${OLD_TOKEN}:${TOKEN}` };
/** Tenants are written only with multitenancy on (412 otherwise). */
export const MT_ADMIN_ENV = { ...ADMIN_ENV, MULTITENANCY_ENABLED: 'true' };

export interface V1Options {
  token?: string | null;
  env?: Record<string, string>;
  /** Sent as is (not JSON-encoded). */
  raw?: string;
  contentType?: string;
}

export async function v1(method: string, path: string, body?: unknown, o: V1Options = {}): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = {};
  const token = o.token === undefined ? TOKEN : o.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const payload = o.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['Content-Type'] = o.contentType ?? 'application/json';
  const res = await send(new Request(`${BASE}/admin/v1${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) }), o.env ?? ADMIN_ENV);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}


/** v1 with multitenancy on unless `o.env` says otherwise: for files that write tenants. */
export const tenantV1 = (method: string, path: string, body?: unknown, o: V1Options = {}) => v1(method, path, body, { env: MT_ADMIN_ENV, ...o });
