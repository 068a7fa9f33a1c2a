import { nodeSecrets } from '../../cluster/node-secrets.js';
import { serverMap } from '../../cluster/server-cache.js';
import { unstorablePaths } from '../../ids.js';
import { describeError, log } from '../../observability/log.js';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from '../../http/env.js';
import { enqueueAnalyticsCallback } from '../../store/analytics-callbacks.js';
import { nodeMeetingID } from '../../tenancy/scope.js';
import { DEFAULT_TENANT, tenantById } from '../../tenancy/tenant.js';
import { deliverSoon } from '../callbacks/delivery.js';
import { verifyJwt } from '../callbacks/jwt.js';

/** Analytics reports of large meetings run to a few hundred kB. */
const MAX_REPORT_BYTES = 4 * 1024 * 1024;

/**
 * Scalelite's `analytics_callback`: a node reports a meeting's analytics as JSON with a Bearer JWT
 * (HS512) signed with its own secret. The report is queued for relay to the frontend's URL (with
 * `customer`: the tenant's name, or `scalelite`) and attempted at once; failures are retried by the
 * cron. The node always gets 204, whatever happened, as from Scalelite.
 */
export const analyticsCallback = [
  // Refused unread (with the 204 the node always gets), before anything else.
  bodyLimit({ maxSize: MAX_REPORT_BYTES, onError: (c) => dropped(c, 'report too large') }),
  report,
] as const;

function dropped(c: AppContext, reason?: string): Response {
  // The reason only: never the token or the report.
  if (reason) log('warn', 'analytics callback dropped', { reason });
  return c.body(null, 204);
}

async function report(c: AppContext): Promise<Response> {
  const svc = c.get('services');
  const waitUntil = c.get('waitUntil');
  const done = (reason?: string) => dropped(c, reason);
  try {
    const meeting = await verifyJwt(c.req.query('token') ?? '', svc.cfg.secrets);
    const { tenant: tenantId, meeting_id: meetingID, instance } = meeting ?? {};
    if (typeof tenantId !== 'string' || typeof meetingID !== 'string' || typeof instance !== 'number') return done('unknown meeting');

    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    const servers = await serverMap(svc.sql, svc.cfg.serverCacheMs, waitUntil, () => svc.cluster.mirroredServers());
    const node = await verifyJwt(bearer, [...servers.values()].flatMap(nodeSecrets), 'HS512');
    if (!node || (typeof node.exp === 'number' && node.exp * 1000 < Date.now())) return done('not signed by a known server');

    const body = await c.req.arrayBuffer();
    let report: unknown;
    try {
      report = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return done('report is not JSON');
    }
    if (!report || typeof report !== 'object' || Array.isArray(report)) return done('report is not a JSON object');
    if (unstorablePaths(report).length > 0) return done('report holds control characters or unpaired surrogates');

    const tenant = await tenantById(svc, tenantId, waitUntil);
    if (!tenant) return done('unknown tenant');
    const payload: Record<string, unknown> = { ...report, customer: tenant.id === DEFAULT_TENANT ? 'scalelite' : tenant.name };
    // The frontend knows the meeting by its own ID, not the tenant-scoped one the node used.
    if (payload.meeting_id === nodeMeetingID(tenant.id, meetingID)) payload.meeting_id = meetingID;
    const id = await enqueueAnalyticsCallback(svc.sql, svc.cfg.callbacks, { tenant: tenant.id, meetingID, instance: String(instance), payload });
    deliverSoon(svc, id ? [id] : [], waitUntil);
    return done();
  } catch (e) {
    log('error', 'analytics callback not queued', { error: describeError(e) });
    return done();
  }
}
