/**
 * The Worker `npm run bench` runs: the real Scaleflare Worker (src/index.ts, i.e. `app` and the
 * cron handler), plus routes under `/__bench/` that exist only in this bench bundle, never in
 * production:
 *
 * - `/__bench/static`: a 302 and nothing else (the cost of the request path itself).
 * - `/__bench/redis1`: exactly one Upstash `get`, then a 302: the physical limit of a call that
 *   needs one Redis round trip, such as join. The client is made by src/store/redis.ts's own
 *   `createRedis` (`@upstash/redis/cloudflare`, same options), so it stays in step with the app.
 * - diagnostics (`--diagnose`): `/__bench/eval` sends join's LOOKUP script with EVAL;
 *   `/__bench/evalsha` runs the same script with EVALSHA, as the app does (loaded once per isolate).
 *
 * Everything else, and `scheduled`, goes to the real Worker untouched.
 */
import { Hono } from 'hono';
import { app } from '../../src/app';
import worker from '../../src/index';
import { services } from '../../src/services';
import { DEFAULT_TENANT } from '../../src/tenancy/tenant';
import { createRedis, type Redis } from '../../src/store/redis';
import { keys } from '../../src/store/keys';
import { LOOKUP } from '../../src/store/lua/lookup';
import { CEILING_KEY } from './constants';

/** Where the ceilings redirect to. */
const LOCATION = 'http://127.0.0.1:1/bigbluebutton/api/join?ceiling=1';

// One client per env object (workerd passes the same env to every request of an isolate), as
// src/services.ts keeps one for the app; a separate instance, so the app's is left alone.
const clients = new WeakMap<object, { redis: Redis; ns: string; sha?: Promise<string> }>();
function bench(env: object) {
  let b = clients.get(env);
  if (!b) {
    const { cfg } = services(env);
    b = { redis: createRedis(cfg), ns: cfg.redis.namespace };
    clients.set(env, b);
  }
  return b;
}

const redirect = () => new Response(null, { status: 302, headers: { Location: LOCATION, 'Cache-Control': 'no-cache' } });
function lookupCall(ns: string, meetingID: string): [string[], string[]] {
  const k = keys(ns);
  const fam = k.families();
  const keyList = [k.route(DEFAULT_TENANT, meetingID), k.answer('info', DEFAULT_TENANT, meetingID), k.answer('running', DEFAULT_TENANT, meetingID)];
  return [keyList, [JSON.stringify({ mode: 'join', server: fam.server, load: fam.load })]];
}

// A Hono app of its own, so a ceiling pays for routing as the real app does.
const ceilings = new Hono<{ Bindings: object }>();
ceilings.get('/__bench/static', () => redirect());
ceilings.get('/__bench/redis1', async (c) => {
  await bench(c.env).redis.get(CEILING_KEY);
  return redirect();
});
ceilings.get('/__bench/eval', async (c) => {
  const b = bench(c.env);
  const out = await b.redis.eval(LOOKUP.body, ...lookupCall(b.ns, c.req.query('meetingID') ?? ''));
  return out ? redirect() : new Response('no route', { status: 404 });
});
ceilings.get('/__bench/evalsha', async (c) => {
  const b = bench(c.env);
  b.sha ??= b.redis.scriptLoad(LOOKUP.body);
  const out = await b.redis.evalsha(await b.sha, ...lookupCall(b.ns, c.req.query('meetingID') ?? ''));
  return out ? redirect() : new Response('no route', { status: 404 });
});

const BENCH_PREFIX = '/__bench/';

/** True when the URL's path starts with /__bench/ (no URL parsing: this runs before every request). */
function isBench(url: string): boolean {
  const scheme = url.indexOf('://');
  const pathStart = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
  return pathStart >= 0 && url.startsWith(BENCH_PREFIX, pathStart);
}

export { PollShard } from '../../src/index';

export default {
  fetch(request: Request, env: object, ctx: ExecutionContext): Response | Promise<Response> {
    return isBench(request.url) ? ceilings.fetch(request, env, ctx) : app.fetch(request, env, ctx);
  },
  scheduled: worker.scheduled,
};
