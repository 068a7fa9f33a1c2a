import { Hono, type Context } from 'hono';
import { bbbError } from '../api/context.js';
import { tolerantFrame, type TolerantEnv } from '../http/env.js';
import { jsonResponse } from '../json-response.js';
import { within } from './deadline.js';
import { describeError, log } from './log.js';
import { buildFamilies } from './build-info.js';
import { CONTENT_TYPE, render } from './prometheus.js';
import { configCheck, readiness } from './readiness.js';
import { bearerMatches } from '../http/bearer.js';
import { scrape } from './scrape.js';
import { tenantMetrics } from './tenant-metrics.js';

type Ctx = Context<TolerantEnv>;

/** Below Prometheus' default scrape timeout (10 s), so a hung store gives a clear 503 instead. */
const SCRAPE_TIMEOUT_MS = 5000;


const exposition = (body: string) => new Response(body, { headers: { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' } });

/** 200 when Postgres, Redis and polling are all healthy, else 503; public, so it says no more than that (setting names, never values). */
async function ready(c: Ctx): Promise<Response> {
  const svc = c.get('services');
  if (!svc) return jsonResponse(503, { status: 'unready', checks: { config: configCheck(c.env) } });
  const r = await readiness(svc);
  return jsonResponse(r.status === 'ready' ? 200 : 503, r);
}

/** Prometheus exposition behind `Authorization: Bearer <METRICS_TOKEN>`; 404 while no token is set. */
async function metrics(c: Ctx): Promise<Response> {
  const svc = c.get('services');
  // An invalid configuration still has its token as set, so the scraper learns of it (config_valid 0).
  const raw = c.env as { METRICS_TOKEN?: unknown; BUILD_NUMBER?: unknown };
  const token = svc ? svc.cfg.metrics.token : typeof raw.METRICS_TOKEN === 'string' ? raw.METRICS_TOKEN.trim() : '';
  if (!token) {
    if (!svc) return jsonResponse(503, { error: 'Metrics are unavailable: the configuration is invalid.' });
    return jsonResponse(404, { error: 'Metrics are disabled: METRICS_TOKEN is not set.' });
  }
  if (!(await bearerMatches(c.req.header('authorization'), token))) {
    return jsonResponse(401, { error: 'A valid bearer token is required.' }, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
  }
  if (!svc) return exposition(render(buildFamilies(typeof raw.BUILD_NUMBER === 'string' ? raw.BUILD_NUMBER : '', false)));
  try {
    return exposition(await within(SCRAPE_TIMEOUT_MS, scrape(svc, c.get('waitUntil')), 'metrics scrape'));
  } catch (e) {
    log('error', 'metrics scrape failed', { error: describeError(e) });
    return jsonResponse(503, { error: 'Metrics are unavailable: storage is unreachable.' });
  }
}

/** Health and metrics: answered even when the configuration is invalid, saying so. */
export const health = new Hono<TolerantEnv>();

// Scalelite answers its root with plain `success`; kept for existing load balancer health checks.
health.get('/', (c) => c.text('success'));
health.get('/health', (c) => c.json({ status: 'ok' }));
health.get('/health/ready', tolerantFrame, ready);
health.get('/metrics', tolerantFrame, metrics);
health.get('/metrics/tenant', tolerantFrame, tenantMetrics);
health.onError((e) => bbbError(e));
