import { Hono } from 'hono';
import { errors } from './bbb/errors.js';
import { bbbError } from './api/context.js';
import { bbbApi } from './api/router.js';
import { scaleliteApi } from './admin/scalelite.js';
import { adminV1 } from './admin/v1/router.js';
import { DASHBOARD_PATH, dashboard } from './dashboard/routes.js';
import type { AppEnv } from './http/env.js';
import { INGEST_PREFIX, ingestApi } from './recordings/ingest/routes.js';
import { health } from './observability/endpoints.js';
import { observe } from './observability/middleware.js';
import { callbackRoutes } from './recordings/callbacks/routes.js';
import { playback } from './recordings/playback/routes.js';
import { clusterProxy } from './proxy/routes.js';

/**
 * The Worker's HTTP surfaces, each a sub-app with its own error answers (src/http/ is their
 * frame): the BBB API, Scalelite's admin API, the JSON admin API, ingest, callbacks, playback,
 * the cluster proxy, the dashboard, and health.
 */
export const app = new Hono<AppEnv>({ strict: false });

// First, so every answer (errors and redirects too) carries the request id and is logged once.
app.use('*', observe);

app.route('/', health);
app.route('/bigbluebutton/api', bbbApi);
app.route('/scalelite/api', scaleliteApi);
app.route('/admin/v1', adminV1);
app.route(DASHBOARD_PATH, dashboard);
app.route(INGEST_PREFIX, ingestApi);
app.route('/callbacks', callbackRoutes);
// The BBB cluster proxy; before playback, whose paths are as generic, and falling through when off.
app.route('/', clusterProxy);
// Recording playback (/<format>/<recordID>/…, the player, one-time links); last, as its paths are generic.
app.route('/', playback);
// Every other path is a BBB `unsupportedRequest`, as Scalelite's catch-all.
app.notFound(() => bbbError(errors.unsupportedRequest()));
app.onError((e) => bbbError(e));
