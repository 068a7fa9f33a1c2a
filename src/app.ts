import { Hono } from 'hono';
import { errors } from './bbb/errors.js';
import { bbbError } from './api/context.js';
import { bbbApi } from './api/router.js';
import { scaleliteApi } from './admin/scalelite.js';
import { adminV1 } from './admin/v1/router.js';
import { DASHBOARD_PATH, dashboard } from './dashboard/routes.js';
import { INGEST_PREFIX, ingestApi } from './recordings/ingest/routes.js';
import { metrics, ready } from './observability/endpoints.js';
import { tenantMetrics } from './observability/tenant-metrics.js';
import { observe } from './observability/middleware.js';
import { callbackRoutes } from './recordings/callbacks/routes.js';
import { playback } from './recordings/playback/routes.js';
import { PROXY_PATHS, clusterProxy } from './proxy/routes.js';

/** The Worker's HTTP surface: the BBB API, Scalelite's admin API, and health. */
export const app = new Hono<{ Bindings: object }>({ strict: false });

// First, so every answer (errors and redirects too) carries the request id and is logged once.
app.use('*', observe);

// Scalelite answers its root with plain `success`; kept for existing load balancer health checks.
app.get('/', (c) => c.text('success'));
app.get('/health', (c) => c.json({ status: 'ok' }));
app.get('/health/ready', ready);
app.get('/metrics', metrics);
app.get('/metrics/tenant', tenantMetrics);
app.route('/bigbluebutton/api', bbbApi);
app.route('/scalelite/api', scaleliteApi);
app.route('/admin/v1', adminV1);
app.route(DASHBOARD_PATH, dashboard);
app.route(INGEST_PREFIX, ingestApi);
app.route('/callbacks', callbackRoutes);
// The BBB cluster proxy; before playback, whose paths are as generic, and falling through when off.
for (const path of PROXY_PATHS) app.all(path, clusterProxy);
// Recording playback (/<format>/<recordID>/…, the player, one-time links); last, as its paths are generic.
app.route('/', playback);
// Every other path is a BBB `unsupportedRequest`, as Scalelite's catch-all.
app.notFound(() => bbbError(errors.unsupportedRequest()));
app.onError((e) => bbbError(e));
