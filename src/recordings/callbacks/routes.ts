import { Hono } from 'hono';
import { rawQuery } from '../../bbb/query.js';
import { unstorablePaths } from '../../ids.js';
import { describeError, log } from '../../observability/log.js';
import { frame, type AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/error.js';
import type { Services } from '../../services.js';
import { enqueueMeetingEnded } from '../../store/callbacks.js';
import { tenantById } from '../../tenancy/tenant.js';
import { deliverSoon } from './delivery.js';
import { unverifiedClaims, verifyJwt } from './jwt.js';

/**
 * Where nodes call back. `/end/<token>` is the end callback URL the balancer gave the node at
 * create (callbacks-capture.ts): the token, signed with the tenant's secret, names the meeting
 * and the server it was created on; the call is queued for relay to the frontend's URL and
 * attempted at once, unless the meeting now runs on another server (see runsElsewhere).
 */
export const callbackRoutes = new Hono<AppEnv>();

callbackRoutes.on(['GET', 'POST'], '/end/:token', frame, async (c) => {
  const svc = c.get('services');
  // The token names its tenant (the node may call back on URL_HOST, not the tenant's host); its secrets verify it.
  const token = c.req.param('token');
  const named = unverifiedClaims(token)?.tenant;
  const tenant = typeof named === 'string' ? await tenantById(svc, named, c.get('waitUntil')) : null;
  const claims = tenant && (await verifyJwt(token, tenant.secrets));
  const meetingID = claims?.meeting_id;
  if (!tenant || !claims || claims.tenant !== tenant.id || typeof meetingID !== 'string' || typeof claims.instance !== 'number') {
    throw new HttpError('not_found', 'Unknown callback.');
  }
  if (typeof claims.server === 'string' && (await runsElsewhere(svc, tenant.id, meetingID, claims.server))) {
    log('notice', 'end callback of a stale copy not relayed', { tenant: tenant.id, meetingID, server: claims.server });
    return c.json({ status: 'ignored' });
  }
  // Relayed as the node sent it (BBB appends meetingID and recordingmarks).
  const query = rawQuery(c.req.url);
  const params = Object.fromEntries(new URLSearchParams(query));
  // Text Postgres cannot store is the caller's fault, not storage down: never a 503 that invites retries.
  if (unstorablePaths(params).length > 0) throw new HttpError('bad_request', 'The callback parameters hold control characters or invalid text.');
  const id = await enqueueMeetingEnded(svc.sql, svc.cfg.callbacks, { tenant: tenant.id, meetingID, instance: String(claims.instance), query, params });
  deliverSoon(svc, id ? [id] : [], c.get('waitUntil'));
  return c.json({ status: 'accepted' });
});

// Answers `{error}`; storage out of reach is a 503 the node may retry.
callbackRoutes.onError((e, c) => {
  if (e instanceof HttpError) return c.json({ error: e.message }, e.status);
  log('error', 'end callback not queued', { error: describeError(e) });
  return c.json({ error: 'Callback could not be queued; try again.' }, 503);
});

/**
 * The meeting's route names another server than the one whose node calls back: that node's copy
 * is no longer the meeting (the poll ended it as stale, its meeting re-created elsewhere), and the
 * class goes on, so the LMS must not hear it ended. No route: the meeting is over, relayed as
 * always. Redis out of reach: relayed too, as an end must never be lost (one Redis round trip).
 */
async function runsElsewhere(svc: Services, tenant: string, meetingID: string, server: string): Promise<boolean> {
  try {
    const route = await svc.routes.lookup(tenant, meetingID);
    return route !== null && route.server !== server;
  } catch (e) {
    log('warn', 'end callback relayed without its route', { error: describeError(e) });
    return false;
  }
}
