import { Hono, type Context } from 'hono';
import { stripChecksum, verifyChecksum } from '../bbb/checksum.js';
import { BbbError, errors } from '../bbb/errors.js';
import { checkQuerySize, rawQuery } from '../bbb/query.js';
import { bbbError } from '../api/context.js';
import { describeError, log } from '../observability/log.js';
import { services } from '../services.js';
import { MULTITENANCY_DISABLED } from '../tenancy/tenant.js';
import { AdminResponse, type AdminRoute } from './response.js';
import { runAudited } from './scalelite-audited.js';
import { serverHandlers } from './scalelite-servers.js';
import { tenantHandlers } from './scalelite-tenants.js';
import { validate } from './validation.js';

const HANDLERS: Record<string, AdminRoute> = { ...serverHandlers, ...tenantHandlers };

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Scalelite's admin API (`/scalelite/api/*`): BBB-style checksums with the load balancer's own
 * secrets over the query string (the JSON body is not covered, as in Scalelite), JSON answers,
 * and checksum or content-type errors answered as BBB XML. Bodies are checked against each
 * call's strict schema (400 naming the field); an id that cannot exist is that call's not-found.
 */
export const scaleliteApi = new Hono<{ Bindings: object }>();

scaleliteApi.all('/:call', async (c) => {
  const name = c.req.param('call');
  const route = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  try {
    if (!route || route.method !== c.req.method) throw errors.unsupportedRequest();
    const svc = services(c.env);
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
    if (route.tenants && !svc.cfg.multitenancy) return c.json({ message: MULTITENANCY_DISABLED }, 412);
    const json = await readJsonBody(c);
    if (json instanceof AdminResponse) return c.json(json.body as object, json.status as 400);
    const body = route.body ? validate(route.body, json, 'body') : ({ ok: true, data: json } as const);
    if (!body.ok) return c.json({ error: body.message, issues: body.issues }, 400);
    const res = await runAudited(name, HANDLERS, svc, { query: new URLSearchParams(query), body: body.data, env: c.env }, signer);
    return c.json(res.body as object, res.status as 200);
  } catch (e) {
    if (e instanceof BbbError) return bbbError(e);
    // Storage out of reach, most likely: the operator learns that, the log has the details.
    log('error', `Admin API ${name} failed`, { error: describeError(e) });
    return c.json({ error: 'The load balancer could not complete the request; see its logs' }, 503);
  }
});

async function readJsonBody(c: Context): Promise<Record<string, unknown> | AdminResponse> {
  const text = c.req.method === 'POST' ? await c.req.text() : '';
  if (!text) return {};
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw errors.unsupportedContentType();
  if (text.length > MAX_BODY_BYTES) return new AdminResponse(413, { error: 'Request body is too large' });
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  return new AdminResponse(400, { error: 'The request body must be a JSON object' });
}
