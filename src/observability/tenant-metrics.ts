import type { Context } from 'hono';
import type { TolerantEnv } from '../http/env.js';
import { jsonResponse } from '../json-response.js';
import { tenantTotals } from '../store/outcome-stats.js';
import { resolveTenant } from '../tenancy/tenant.js';
import { family } from './catalogue.js';
import { describeError, log } from './log.js';
import { CONTENT_TYPE, render } from './prometheus.js';
import { bearerMatches } from '../http/bearer.js';

type Ctx = Context<TolerantEnv>;


/**
 * A tenant's own Prometheus endpoint, on its host, behind the token in its settings
 * (`metricsToken`): its usage against its limits, its meeting-minutes and recording bytes (one
 * Postgres statement), nothing about other tenants or the servers.
 */
export async function tenantMetrics(c: Ctx): Promise<Response> {
  const svc = c.get('services');
  if (!svc) return jsonResponse(503, { error: 'Metrics are unavailable: the configuration is invalid.' });
  try {
    const tenant = svc.cfg.multitenancy ? await resolveTenant(svc, new URL(c.req.url).host, c.get('waitUntil')) : null;
    const token = tenant?.settings.metricsToken;
    if (!tenant || !token) return jsonResponse(404, { error: 'No tenant metrics here.' });
    if (!(await bearerMatches(c.req.header('authorization'), token))) return jsonResponse(401, { error: 'A valid bearer token is required.' });
    const [usage, totals] = await Promise.all([svc.cluster.tenantUsage(tenant.id), tenantTotals(svc.sql, tenant.id)]);
    const limits = tenant.settings.limits ?? {};
    const one = (v: number | undefined) => (v === undefined ? [] : [{ labels: { tenant: tenant.name }, value: v }]);
    const body = render([
      family('scaleflare_tenant_meetings', one(usage.meetings)),
      family('scaleflare_tenant_attendees', one(usage.attendees)),
      family('scaleflare_tenant_meetings_limit', one(limits.meetings)),
      family('scaleflare_tenant_attendees_limit', one(limits.attendees)),
      family('scaleflare_tenant_meeting_minutes_total', one(totals.meetingMinutes)),
      family('scaleflare_tenant_recording_bytes', one(totals.recordingBytes)),
    ]);
    return new Response(body, { headers: { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' } });
  } catch (e) {
    log('error', 'tenant metrics failed', { error: describeError(e) });
    return jsonResponse(503, { error: 'Metrics are unavailable: storage is unreachable.' });
  }
}
