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

/** A root: every answer (errors and redirects too) carries the request id and is logged once. */
function root(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', observe);
  // Every other path is a BBB `unsupportedRequest`, as Scalelite's catch-all.
  app.notFound(() => bbbError(errors.unsupportedRequest()));
  app.onError((e) => bbbError(e));
  return app;
}

/**
 * The Worker's HTTP surfaces, each a sub-app with its own error answers (src/http/ is their
 * frame): the BBB API, Scalelite's admin API, the JSON admin API, ingest, callbacks, playback,
 * the cluster proxy, the dashboard, and health.
 */
const surfaces = root()
  .route('/', health)
  .route('/bigbluebutton/api', bbbApi)
  .route('/scalelite/api', scaleliteApi)
  .route('/admin/v1', adminV1)
  .route(DASHBOARD_PATH, dashboard)
  .route(INGEST_PREFIX, ingestApi)
  .route('/callbacks', callbackRoutes)
  // The BBB cluster proxy; before playback, whose paths are as generic, and falling through when off.
  .route('/', clusterProxy)
  // Recording playback (/<format>/<recordID>/…, the player, one-time links); last, as its paths are generic.
  .route('/', playback);

/**
 * The BBB API alone, the hot path: its static routes keep Hono's RegExpRouter, which the admin
 * API's `/recordings/reindex` beside `/recordings/:recordID/…` (and the like) make every app of
 * all surfaces give up for the slower TrieRouter.
 */
const BBB_API = '/bigbluebutton/api/';
const bbbOnly = root().route(BBB_API.slice(0, -1), bbbApi);

/** The path starts after the scheme's `//` and the host. */
const isBbbCall = (url: string) => url.startsWith(BBB_API, url.indexOf('/', url.indexOf('//') + 2));

export const app: Pick<Hono<AppEnv>, 'fetch'> = {
  fetch: (req, env, ctx) => (isBbbCall(req.url) ? bbbOnly : surfaces).fetch(req, env, ctx),
};
