import { parseConfig, type Config } from './config.js';
import { setLogLevel } from './observability/log.js';
import { createSql, type Sql } from './store/postgres.js';
import { createRedis, type Redis } from './store/redis.js';
import { RouteStore } from './store/routes.js';
import { ClusterState } from './store/cluster-state.js';

/** What handlers and the poller work with, built once per isolate and env. */
export interface Services {
  cfg: Config;
  sql: Sql;
  redis: Redis;
  routes: RouteStore;
  cluster: ClusterState;
  /** The R2 binding holding recording files (wrangler.toml `RECORDINGS`). */
  recordings: R2Bucket;
}

const byEnv = new WeakMap<object, Services>();

export function services(env: object): Services {
  let s = byEnv.get(env);
  if (!s) {
    const cfg = parseConfig(env as Record<string, unknown>);
    setLogLevel(cfg.logLevel);
    const redis = createRedis(cfg);
    s = {
      cfg,
      sql: createSql(cfg),
      redis,
      routes: new RouteStore(redis, cfg.redis.namespace),
      cluster: new ClusterState(redis, cfg.redis.namespace),
      recordings: (env as { RECORDINGS: R2Bucket }).RECORDINGS,
    };
    byEnv.set(env, s);
  }
  return s;
}
