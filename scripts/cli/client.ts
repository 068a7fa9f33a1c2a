import { CliError, usageError } from './errors.js';

/**
 * The JSON admin API over HTTP (docs/admin-api.md). Errors become CliErrors with the API's own
 * message; the token goes in the Authorization header and nowhere else (never in a message).
 */

export interface AdminClient {
  /** The balancer's origin, for messages: never carries credentials. */
  readonly origin: string;
  call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

interface ApiErrorBody {
  error?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
}

/** Accepts `https://lb.example.com`, with or without a trailing `/admin/v1`. */
function apiBase(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url must be the balancer's base URL (e.g. https://lb.example.com), got ${JSON.stringify(url)}`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw usageError('--url must be an http(s) URL');
  if (parsed.username || parsed.password) throw usageError('--url must not carry credentials; use --token or SCALEFLARE_TOKEN');
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '').replace(/\/admin\/v1$/, '')}/admin/v1`;
  parsed.search = '';
  parsed.hash = '';
  return parsed;
}

function failure(status: number, body: ApiErrorBody | undefined, origin: string): CliError {
  const e = body?.error;
  if (status === 401) return new CliError(`The admin token was refused by ${origin} (check --token or SCALEFLARE_TOKEN)`);
  if (e?.code === 'admin_api_disabled') return new CliError(`The admin API of ${origin} is disabled: set ADMIN_TOKEN on the balancer`);
  if (!e?.message) return new CliError(`${origin} answered HTTP ${status} without an admin API error: is --url the balancer's base URL?`);
  const issues = e.issues?.length ? `\n${e.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}` : '';
  return new CliError(`${e.message} (HTTP ${status}${e.code ? ` ${e.code}` : ''})${issues}`);
}

/** `send` is how requests go out: fetch, or (the recovery drill) straight into a local Worker. */
export function adminClient(url: string, token: string, send: typeof fetch = fetch): AdminClient {
  const base = apiBase(url);
  const origin = base.origin;
  return {
    origin,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await send(`${base.href}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (e) {
        // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a timeout).
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
        throw new CliError(`Cannot reach ${origin}: ${why}`);
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (!res.ok) throw failure(res.status, json as ApiErrorBody | undefined, origin);
      if (json === undefined) throw new CliError(`${origin} answered HTTP ${res.status} with no JSON: is --url the balancer's base URL?`);
      return json as T;
    },
  };
}
