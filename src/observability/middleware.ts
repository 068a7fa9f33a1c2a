import type { MiddlewareHandler } from 'hono';
import { waitUntilOf, type AppEnv } from '../http/env.js';
import { configured } from './configured.js';
import { countRequest } from './counters.js';
import { log } from './log.js';
import { logPath } from './log-path.js';
import { requestIdFor, withRequest, type RequestInfo } from './request-context.js';
import { nodeMeetingID } from '../tenancy/scope.js';

/**
 * Every request: a correlation id (returned as X-Request-ID, errors and redirects included), one
 * JSON log line when it ends (with the meetingID as the frontend and as the node know it), and its BBB call and duration counted for /metrics.
 */
export const observe: MiddlewareHandler<AppEnv> = (c, next) => {
  const started = Date.now();
  const info: RequestInfo = { id: requestIdFor(c.req.raw.headers) };
  return withRequest(info, async () => {
    await next();
    c.header('X-Request-ID', info.id);
    const status = c.res.status;
    const ms = Date.now() - started;
    const path = c.req.path;
    log(status >= 500 || info.error ? 'error' : 'info', 'request', {
      method: c.req.method,
      path: logPath(path),
      status,
      ms,
      call: info.call,
      messageKey: info.messageKey,
      tenant: info.tenant,
      meetingID: info.meetingID,
      // As the node knows it (tenant-scoped), to find the same call in BBB's own logs.
      nodeMeetingID: info.meetingID && info.tenant ? nodeMeetingID(info.tenant, info.meetingID) : undefined,
      server: info.server,
      error: info.error,
    });
    // The services the surface's frame set; looked up only for a request that never reached one.
    const svc = (c.var as Partial<AppEnv['Variables']>).services ?? configured(c.env, { quiet: true });
    if (svc) countRequest(svc, { path, ms, call: info.call, messageKey: info.messageKey }, waitUntilOf(c));
  });
};
