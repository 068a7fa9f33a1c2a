import type { Context, MiddlewareHandler } from 'hono';
import type { ShardBinding } from '../cluster/poll-fan-out.js';
import { configured } from '../observability/configured.js';
import { services, type Services } from '../services.js';

/** What the Worker is bound to (wrangler.toml); every other binding is a plain-text setting (src/settings.ts). */
export interface Bindings {
  RECORDINGS: R2Bucket;
  /** The Worker's own PollShard entrypoint, absent in a single-invocation setup. */
  POLL_SHARD?: ShardBinding;
  [setting: string]: unknown;
}

/** Set once per request by `frame`, read by every handler with `c.get(...)`. */
export interface Variables {
  services: Services;
  waitUntil(p: Promise<unknown>): void;
}

/** The Hono environment of every surface. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

export type AppContext = Context<AppEnv>;

/** Work the request's answer must not wait for, kept alive past it. */
export const waitUntilOf =
  (c: Context): Variables['waitUntil'] =>
  (p) =>
    c.executionCtx.waitUntil(p);

/**
 * The request's services and `waitUntil`. An invalid configuration throws its ConfigError here,
 * answered by the surface's own `onError` (BBB XML, admin JSON 503…). Costs one WeakMap lookup
 * and one closure: the join path's budget allows that.
 */
export const frame: MiddlewareHandler<AppEnv> = (c, next) => {
  c.set('services', services(c.env));
  c.set('waitUntil', waitUntilOf(c));
  return next();
};

/** The environment of the surfaces that answer an invalid configuration themselves (health, metrics). */
export interface TolerantEnv {
  Bindings: Bindings;
  Variables: Partial<Pick<Variables, 'services'>> & Pick<Variables, 'waitUntil'>;
}

/** `frame` for a TolerantEnv surface: no services (logged by setting name) when the configuration is invalid. */
export const tolerantFrame: MiddlewareHandler<TolerantEnv> = (c, next) => {
  const svc = configured(c.env);
  if (svc) c.set('services', svc);
  c.set('waitUntil', waitUntilOf(c));
  return next();
};
