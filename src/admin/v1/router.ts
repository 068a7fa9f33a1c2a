import { Hono } from 'hono';
import * as z from 'zod';
import { jsonResponse } from '../../json-response.js';
import { ConfigError } from '../../config.js';
import { limitBody, readJson } from '../../http/body.js';
import { frame, type AppContext, type AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/error.js';
import { describeError, log } from '../../observability/log.js';
import { runAudited } from './audited.js';
import { authorize } from './auth.js';
import { callbackOperations } from './callbacks.js';
import { drainOperations } from './servers/drain.js';
import { meetingOperations } from './meetings.js';
import { openApiDocument } from './openapi.js';
import { overviewOperations } from './reports/overview.js';
import type { AnyOperation } from './operation.js';
import { recordingOperations } from './recordings/recordings.js';
import { recordingTransferOperations } from './recordings/transfer.js';
import { secretRotationOperations } from './servers/secret-rotation.js';
import { serverOperations } from './servers/servers.js';
import { settingsOperations } from './settings.js';
import { proxyOperations } from './proxy-settings.js';
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

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = validate(schema, value, where);
  if (r.ok) return r.data;
  throw new HttpError('validation_error', r.message, { issues: r.issues });
}

async function run(c: AppContext, op: AnyOperation): Promise<Response> {
  const svc = c.get('services');
  const token = await authorize(c.req.header('authorization'), svc.cfg.adminTokens);
  // An operation without a query or body schema ignores whatever is sent there.
  const params = op.params ? parse(op.params, c.req.param(), 'params') : {};
  const query = op.query ? parse(op.query, c.req.query(), 'query') : {};
  const body = op.body ? parse(op.body, (await readJson(c)) ?? {}, 'body') : {};
  const input = { svc, env: c.env, origin: new URL(c.req.url).origin, waitUntil: c.get('waitUntil'), params, query, body };
  const result = await runAudited(op, operations, input, token);
  // Answers are checked too: a bug shows as a clear error rather than an unpromised shape.
  return jsonResponse(op.status ?? 200, op.response.parse(result));
}

export const adminV1 = new Hono<AppEnv>();

let document: Record<string, unknown> | undefined;
// Public: it describes the API, holds no data, and lets clients be generated before a token exists.
adminV1.get('/openapi.json', () => jsonResponse(200, (document ??= openApiDocument(operations, API_VERSION))));

const limit = limitBody(MAX_BODY_BYTES);
for (const op of operations) {
  adminV1.on(op.method.toUpperCase(), op.path.replace(/\{(\w+)\}/g, ':$1'), frame, ...(op.body ? [limit] : []), (c) => run(c, op));
}

// Mounted under the main app, whose not-found answer is BBB XML: this API answers JSON instead.
adminV1.all('*', () => jsonResponse(404, { error: { code: 'not_found', message: 'No such admin API endpoint' } }));
adminV1.onError((e) => {
  if (e instanceof HttpError) return jsonResponse(e.status, e.body());
  if (e instanceof ConfigError) {
    log('error', 'configuration invalid', { error: e.message });
    return jsonResponse(503, { error: { code: 'invalid_configuration', message: 'The load balancer configuration is invalid; see its logs' } });
  }
  // Storage out of reach, most likely: the operator learns that, the log has the details (never the token).
  log('error', 'admin API call failed', { error: describeError(e) });
  return jsonResponse(e instanceof z.ZodError ? 500 : 503, {
    error: { code: e instanceof z.ZodError ? 'internal_error' : 'unavailable', message: 'The load balancer could not complete the request; see its logs' },
  });
});
