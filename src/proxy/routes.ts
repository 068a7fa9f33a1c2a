import { Hono, type Next } from 'hono';
import { bbbError } from '../api/context.js';
import { serverMap } from '../cluster/server-cache.js';
import { describeError, log } from '../observability/log.js';
import { frame, type AppContext, type AppEnv } from '../http/env.js';
import { requestHeaders, responseHeaders, type Mapping } from './headers.js';
import { proxyTargets, targetUrl } from './target.js';
import { bridge } from './websocket.js';

/** The paths, below `/<basename>`, that reach a node (docs/cluster-proxy.md). */
const PROXY_PATHS = ['/:basename/html5client', '/:basename/html5client/*', '/:basename/bigbluebutton/api', '/:basename/bigbluebutton/api/*'];

const notFound = () => new Response('Not Found\n', { status: 404, headers: { 'content-type': 'text/plain' } });

/**
 * The BBB cluster proxy (bbb-api.md §5): `/<basename>/html5client/*` and
 * `/<basename>/bigbluebutton/api*` go to that server's own origin, WebSocket upgrades included.
 * Off (CLUSTER_PROXY_ENABLED=false), the paths fall through to the routes behind.
 */
async function proxy(c: AppContext, next: Next): Promise<Response | void> {
  const svc = c.get('services');
  if (!svc.cfg.clusterProxy) return next();
  const url = new URL(c.req.url);
  const basename = url.pathname.split('/')[1]!.toLowerCase();
  const servers = await serverMap(svc.sql, svc.cfg.serverCacheMs, c.get('waitUntil'), () => svc.cluster.mirroredServers());
  const server = proxyTargets(servers.values()).get(basename);
  const prefix = `/${url.pathname.split('/')[1]!}`;
  const target = server && targetUrl(server, prefix, url.pathname.slice(prefix.length), url.search);
  if (!target) return notFound();

  const m: Mapping = { publicOrigin: url.origin, prefix, nodeOrigin: target.origin };
  const upgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket';
  const headers = requestHeaders(c.req.raw.headers, m, upgrade);
  const hasBody = !upgrade && c.req.method !== 'GET' && c.req.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, { method: c.req.method, headers, body: hasBody ? c.req.raw.body : null, redirect: 'manual' });
  } catch (e) {
    log('warn', 'cluster proxy: node unreachable', { server: server.id, error: describeError(e) });
    return new Response('Bad Gateway\n', { status: 502, headers: { 'content-type': 'text/plain' } });
  }
  const out = responseHeaders(upstream.headers, m);
  if (upgrade && upstream.webSocket) return new Response(null, { status: 101, headers: out, webSocket: bridge(upstream.webSocket) });
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}

export const clusterProxy = new Hono<AppEnv>();

for (const path of PROXY_PATHS) clusterProxy.all(path, frame, proxy);
// Its paths are BBB's: a failure (the configuration invalid) is answered as the BBB API's, in XML.
clusterProxy.onError((e) => bbbError(e));
