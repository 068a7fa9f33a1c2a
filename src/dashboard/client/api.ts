/** The admin API as the dashboard calls it: the token from this tab's session storage, as a bearer header only. */

/** ADMIN_API_PATH (src/dashboard/paths.ts), put in as a literal by the build (scripts/dashboard-script.mjs). */
declare const __ADMIN_API_PATH__: string;

export const TOKEN_KEY = 'scaleflare.adminToken';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorAnswer {
  error?: { code?: string; message?: string };
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const API = __ADMIN_API_PATH__;
  const headers: Record<string, string> = { Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiFailure(0, 'network', 'The load balancer could not be reached');
  }
  const data: unknown = await res.json().catch(() => null);
  if (res.ok && data) return data as T;
  const error = (data as ErrorAnswer | null)?.error ?? {};
  throw new ApiFailure(res.status, error.code || 'http_' + res.status, error.message || 'HTTP ' + res.status);
}
