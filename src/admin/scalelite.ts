import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { stripChecksum, verifyChecksum } from '../bbb/checksum.js';
import { BbbError, errors } from '../bbb/errors.js';
import { limitBody, readJson } from '../http/body.js';
import { frame, type AppContext, type AppEnv } from '../http/env.js';
import { HttpError, type HttpErrorCode } from '../http/error.js';
import { checkQuerySize, rawQuery } from '../bbb/query.js';
import { bbbError } from '../api/context.js';
import { describeError, log } from '../observability/log.js';
import { MULTITENANCY_DISABLED } from '../tenancy/tenant.js';
import { refuse, type AdminRoute } from './response.js';
import { runAudited } from './scalelite-audited.js';
import { serverHandlers } from './scalelite-servers.js';
import { tenantHandlers } from './scalelite-tenants.js';
import { validate } from './validation.js';

/** Every call of Scalelite's admin API, by name. */
export const SCALELITE_CALLS: Readonly<Record<string, AdminRoute>> = { ...serverHandlers, ...tenantHandlers };

const MAX_BODY_BYTES = 64 * 1024;

/** The frame's refusals in Scalelite's words; the calls' own are `refuse(...)` (src/admin/response.ts). */
const REFUSALS: Partial<Record<HttpErrorCode, (e: HttpError) => object>> = {
  validation_error: (e) => ({ error: e.message, issues: e.issues }),
  invalid_json: () => ({ error: 'The request body must be a JSON object' }),
  body_too_large: () => ({ error: 'Request body is too large' }),
};

/**
 * Scalelite's admin API (`/scalelite/api/*`): BBB-style checksums with the load balancer's own
 * secrets over the query string (the JSON body is not covered, as in Scalelite), JSON answers,
 * and checksum or content-type errors answered as BBB XML. Bodies are checked against each
 * call's strict schema (400 naming the field); an id that cannot exist is that call's not-found.
 */
export const scaleliteApi = new Hono<AppEnv>();

const limit = limitBody(MAX_BODY_BYTES);
for (const [name, route] of Object.entries(SCALELITE_CALLS)) {
  scaleliteApi.on(route.method, `/${name}`, frame, ...(route.method === 'POST' ? [limit] : []), (c) => run(c, name, route));
}

// A wildcard, not `/:call`, so the app keeps Hono's RegExpRouter (src/api/router.ts says why).
scaleliteApi.all('/*', () => {
  throw errors.unsupportedRequest();
});

scaleliteApi.onError((e, c) => {
  // Checksum, query and handler errors raised the BBB way are answered as BBB XML, as Scalelite.
  if (e instanceof BbbError) return bbbError(e);
  if (e instanceof HttpError) {
    if (e.code === 'unsupported_content_type') return bbbError(errors.unsupportedContentType());
    return c.json(REFUSALS[e.code]?.(e) ?? { [e.key === 'message' ? 'message' : 'error']: e.message }, e.status);
  }
  // Storage out of reach, most likely: the operator learns that, the log has the details.
  log('error', `Admin API ${c.req.path.slice(c.req.path.lastIndexOf('/') + 1)} failed`, { error: describeError(e) });
  return c.json({ error: 'The load balancer could not complete the request; see its logs' }, 503);
});

async function run(c: AppContext, name: string, route: AdminRoute): Promise<Response> {
  const svc = c.get('services');
  const query = rawQuery(c.req.url);
  checkQuerySize(query);
  const { stripped, checksums } = stripChecksum(query);
  if (checksums.length !== 1) throw errors.checksumError();
  const check = { call: name, checkString: stripped, checksum: checksums[0], allowed: svc.cfg.algorithms };
  if (!(await verifyChecksum({ ...check, secrets: svc.cfg.secrets }))) throw errors.checksumError();
  // Which secret signed, for the audit event of a change (its fingerprint only).
  const signer = async () => {
    for (const secret of svc.cfg.secrets) if (await verifyChecksum({ ...check, secrets: [secret] })) return secret;
    return '';
  };
  if (route.tenants && !svc.cfg.multitenancy) throw refuse('multitenancy_disabled', MULTITENANCY_DISABLED, 'message');
  const json = c.req.method === 'POST' ? ((await readJson(c)) ?? {}) : {};
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw refuse('invalid_json', 'The request body must be a JSON object');
  const body = route.body ? validate(route.body, json, 'body') : ({ ok: true, data: json } as const);
  if (!body.ok) throw new HttpError('validation_error', body.message, { issues: body.issues });
  const res = await runAudited(name, SCALELITE_CALLS, svc, { query: new URLSearchParams(query), body: body.data, env: c.env }, signer);
  return c.json(res.body as object, res.status as ContentfulStatusCode);
}
