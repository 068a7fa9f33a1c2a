import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { jsonResponse } from '../../json-response.js';
import { configured } from '../../observability/configured.js';
import { describeError, log } from '../../observability/log.js';
import { runAudited } from './audited.js';
import { authorize } from './auth.js';
import { callbackOperations } from './callbacks.js';
import { drainOperations } from './servers/drain.js';
import { meetingOperations } from './meetings.js';
import { openApiDocument } from './openapi.js';
import { overviewOperations } from './reports/overview.js';
import { ApiError, type AnyOperation } from './operation.js';
import { recordingOperations } from './recordings/recordings.js';
import { recordingTransferOperations } from './recordings/transfer.js';
import { secretRotationOperations } from './servers/secret-rotation.js';
import { serverOperations } from './servers/servers.js';
import { settingsOperations } from './settings.js';
import { proxyOperations } from '../../proxy/settings-api.js';
import { tenantOperations } from './tenants.js';
import { transferOperations } from './transfer.js';
import { usageOperations } from './reports/usage.js';
import { validate } from '../validation.js';

/** The JSON admin API (`/admin/v1`, docs/admin-api.md): bearer token, zod-validated JSON in and out. */

export const API_VERSION = '1.0.0';
/** An import of a large configuration fits; anything bigger is a mistake. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const operations: readonly AnyOperation[] = [
  ...serverOperations,
  ...drainOperations,
  ...secretRotationOperations,
  ...proxyOperations,
  ...tenantOperations,
  ...settingsOperations,
  ...meetingOperations,
  ...recordingOperations,
  ...recordingTransferOperations,
  ...callbackOperations,
  ...transferOperations,
  ...usageOperations,
  ...overviewOperations,
];

type Ctx = Context<{ Bindings: object }>;

const errorBody = (e: ApiError) => ({ error: { code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } });

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = validate(schema, value, where);
  if (r.ok) return r.data;
  throw new ApiError(400, 'validation_error', r.message, r.issues);
}

async function readBody(c: Ctx): Promise<unknown> {
  const tooLarge = () => new ApiError(413, 'body_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes`);
  if (Number(c.req.header('content-length')) > MAX_BODY_BYTES) throw tooLarge();
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw tooLarge();
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (text.trim() === '') return {};
  if (type !== 'application/json') throw new ApiError(400, 'unsupported_content_type', 'The request body must be JSON (Content-Type: application/json)');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

async function run(c: Ctx, op: AnyOperation): Promise<Response> {
  const svc = configured(c.env);
  if (!svc) throw new ApiError(503, 'invalid_configuration', 'The load balancer configuration is invalid; see its logs');
  const token = await authorize(c.req.header('authorization'), svc.cfg.adminTokens);
  // An operation without a query or body schema ignores whatever is sent there.
  const params = op.params ? parse(op.params, c.req.param(), 'params') : {};
  const query = op.query ? parse(op.query, c.req.query(), 'query') : {};
  const body = op.body ? parse(op.body, await readBody(c), 'body') : {};
  const input = { svc, env: c.env, origin: new URL(c.req.url).origin, waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p), params, query, body };
  const result = await runAudited(op, operations, input, token);
  // Answers are checked too: a bug shows as a clear error rather than an unpromised shape.
  return jsonResponse(op.status ?? 200, op.response.parse(result));
}

export const adminV1 = new Hono<{ Bindings: object }>();

let document: Record<string, unknown> | undefined;
// Public: it describes the API, holds no data, and lets clients be generated before a token exists.
adminV1.get('/openapi.json', () => jsonResponse(200, (document ??= openApiDocument(operations, API_VERSION))));

for (const op of operations) {
  adminV1.on(op.method.toUpperCase(), op.path.replace(/\{(\w+)\}/g, ':$1'), (c) => run(c, op));
}

// Mounted under the main app, whose not-found answer is BBB XML: this API answers JSON instead.
adminV1.all('*', () => jsonResponse(404, { error: { code: 'not_found', message: 'No such admin API endpoint' } }));
adminV1.onError((e) => {
  if (e instanceof ApiError) return jsonResponse(e.status, errorBody(e));
  // Storage out of reach, most likely: the operator learns that, the log has the details (never the token).
  log('error', 'admin API call failed', { error: describeError(e) });
  return jsonResponse(e instanceof z.ZodError ? 500 : 503, {
    error: { code: e instanceof z.ZodError ? 'internal_error' : 'unavailable', message: 'The load balancer could not complete the request; see its logs' },
  });
});
