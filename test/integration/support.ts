/**
 * Helpers for integration tests inside workerd: they drive the real Worker (src/app.ts) with real
 * Postgres and Redis behind the local bridges, and the BBB node simulator over its control API.
 * Checksums are computed here independently of src/bbb, so a bug there cannot hide itself.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { XMLParser } from 'fast-xml-parser';
import { inject } from 'vitest';
import { app } from '../../src/app';
import { invalidateServers } from '../../src/cluster/server-cache';
import { invalidateTenants } from '../../src/tenancy/tenant-cache';
import { services } from '../../src/services';
import { poll } from '../../src/cluster/poll';
import { sampleTime } from '../../src/cluster/poll-history';
import type {} from '../support/stack-context';
import { FORGET } from '../../src/store/lua/forget';
import { LOOKUP } from '../../src/store/lua/lookup';
import { PANIC } from '../../src/store/lua/panic';
import { PLACE } from '../../src/store/lua/place';
import { POLL_APPLY } from '../../src/store/lua/poll-apply';
import { RELEASE_LOCK } from '../../src/store/lua/release-lock';
import { SUSPECT } from '../../src/store/lua/suspect';

export const stack = inject('stack');
export const SECRET = 'test-secret';
export const BASE = 'http://lb.example.com';

const HASH = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;
export type Alg = keyof typeof HASH;

export async function hex(alg: Alg, text: string): Promise<string> {
  const d = await crypto.subtle.digest(HASH[alg], new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Node's `querystring` style (`%20` for spaces), as bigbluebutton-js sends. */
export function encode(params: Record<string, string> | [string, string][]): string {
  const list = Array.isArray(params) ? params : Object.entries(params);
  return list.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

const envs = new Map<string, object>();
/** The Worker's env with some settings changed; one object per variant so its services are reused. */
export function envWith(overrides: Record<string, string> = {}): object {
  const key = JSON.stringify(overrides);
  let e = envs.get(key);
  if (!e) envs.set(key, (e = { ...env, ...overrides }));
  return e;
}

/** One request through the Worker, as its client sees it: `after` settles when its waitUntil work is done. */
export async function answer(req: Request, overrides: Record<string, string> = {}): Promise<{ res: Response; after: Promise<void> }> {
  const ctx = createExecutionContext();
  const res = await app.fetch(req, envWith(overrides), ctx);
  return { res, after: waitOnExecutionContext(ctx) };
}

/** One request through the Worker, waiting for its waitUntil work as well. */
export async function send(req: Request, overrides: Record<string, string> = {}): Promise<Response> {
  const { res, after } = await answer(req, overrides);
  await after;
  return res;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  alg?: Alg;
  secret?: string;
  env?: Record<string, string>;
  body?: string;
  contentType?: string;
  /** A query string to send as is (checksum appended unless `checksum` is given). */
  rawQuery?: string;
  checksum?: string;
  /** A tenant's host label: the call goes to `<host>.lb.example.com` instead of the apex. */
  host?: string;
}

/** A signed BBB API call; the checksum covers exactly the query string sent. */
export async function bbb(call: string, params: Record<string, string> | [string, string][] = {}, o: CallOptions = {}): Promise<Response> {
  const query = o.rawQuery ?? encode(params);
  const checksum = o.checksum ?? (await hex(o.alg ?? 'sha1', call + query + (o.secret ?? SECRET)));
  const base = o.host ? BASE.replace('//', `//${o.host}.`) : BASE;
  const url = `${base}/bigbluebutton/api/${call}?${query}${query ? '&' : ''}checksum=${checksum}`;
  const init: RequestInit = { method: o.method ?? 'GET', redirect: 'manual' };
  if (o.body !== undefined) {
    init.body = o.body;
    init.headers = { 'Content-Type': o.contentType ?? 'application/x-www-form-urlencoded' };
  }
  return send(new Request(url, init), o.env);
}

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => ['meeting', 'attendee'].includes(n) });

export type Xml = Record<string, any>;

/** The `<response>` of an XML answer, after checking BBB's conventions (HTTP 200, text/xml). */
export async function xml(res: Response | Promise<Response>): Promise<Xml> {
  const r = await res;
  const text = await r.text();
  if (r.status !== 200 || !r.headers.get('content-type')?.includes('text/xml')) {
    throw new Error(`expected BBB XML, got HTTP ${r.status}: ${text.slice(0, 200)}`);
  }
  return parser.parse(text).response as Xml;
}

export async function call(call: string, params: Record<string, string> | [string, string][] = {}, o: CallOptions = {}): Promise<Xml> {
  return xml(bbb(call, params, o));
}

/** Scalelite's admin API: checksum over the action name and the query, JSON body. */
export async function admin(action: string, body?: unknown, query = '', env: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const checksum = await hex('sha256', action + query + SECRET);
  const res = await send(
    new Request(`${BASE}/scalelite/api/${action}?${query}${query ? '&' : ''}checksum=${checksum}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    }),
    env,
  );
  const text = await res.text();
  return { status: res.status, json: text.startsWith('<') ? text : JSON.parse(text) };
}

export async function sim(path: string, init?: { method?: string; body?: unknown }): Promise<any> {
  const res = await fetch(stack.simulator.controlUrl + path, {
    method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'Content-Type': 'application/json' } }),
  });
  if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export const nodes = stack.simulator.nodes;

/** Registers simulator nodes through the admin API, enables them, and polls once. */
export async function registerServers(count: number, opts: { tags?: (string | null)[]; multipliers?: number[] } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = nodes[i]!;
    const server: Record<string, unknown> = { url: n.url, secret: n.secret };
    if (opts.tags?.[i]) server.tag = opts.tags[i];
    if (opts.multipliers?.[i]) server.load_multiplier = opts.multipliers[i];
    const added = await admin('addServer', { server });
    if (added.status !== 201) throw new Error(`addServer: ${added.status} ${JSON.stringify(added.json)}`);
    await admin('updateServer', { id: added.json.id, server: { state: 'enable' } });
    ids.push(added.json.id);
  }
  await runPoll();
  return ids;
}

export async function runPoll(overrides: Record<string, string> = {}, now = Date.now()) {
  return poll(services(envWith(overrides)), now);
}

/** About now, but never a cycle that writes the history sample: for tests that count a poll's round trips. */
export function quietNow(): number {
  const now = Date.now();
  return sampleTime(now) ? now - 60_000 : now;
}

/** Storage round trips seen at the bridges since the last reset. */
export async function counters(): Promise<{ redis: number; postgres: number }> {
  const get = async (base: string) => (await (await fetch(`${base}/__counters`)).json()) as { requests: number; queries?: number };
  const [upstash, neonHttp, neonWs] = await Promise.all([get(stack.counters.upstash), get(stack.counters.neonHttp), get(stack.counters.neonWs)]);
  return { redis: upstash.requests, postgres: neonHttp.requests + (neonWs.queries ?? 0) };
}

/** Every Lua script of src/store/lua, by name. */
export const SCRIPTS = { FORGET, LOOKUP, PANIC, PLACE, POLL_APPLY, RELEASE_LOCK, SUSPECT };

let warm: Promise<unknown> | undefined;

/**
 * Loads every script into Redis, once per test file, before counters are reset: a script's first
 * run on a Redis without it costs one more round trip (NOSCRIPT, then EVAL), which the budgets
 * counted after a reset must not see. test/integration/lua-scripts.test.ts covers that first run.
 */
function warmScripts(): Promise<unknown> {
  const p = services(env).redis.pipeline();
  for (const s of Object.values(SCRIPTS)) p.scriptLoad(s.body);
  return (warm ??= p.exec());
}

export async function resetCounters(): Promise<void> {
  await warmScripts();
  await Promise.all(Object.values(stack.counters).map((base) => fetch(`${base}/__counters`, { method: 'DELETE' })));
}

/** Backend calls each simulated node received since its counters were cleared. */
export async function nodeCalls(index: number): Promise<any> {
  return sim(`/nodes/${nodes[index]!.id}/calls`);
}

/** Backend calls received by all simulated nodes since `clearNodeCalls`. */
export async function totalNodeCalls(): Promise<number> {
  const logs = await Promise.all(nodes.map((n) => sim(`/nodes/${n.id}/calls`)));
  return logs.reduce((sum, log: { total: number }) => sum + log.total, 0);
}

export async function clearNodeCalls(): Promise<void> {
  await Promise.all(nodes.map((n) => sim(`/nodes/${n.id}/calls`, { method: 'DELETE' })));
}

/** Resets the bridges' and the nodes' counters: what follows is what one test step costs. */
export async function startCounting(): Promise<void> {
  await Promise.all([resetCounters(), clearNodeCalls()]);
}

/**
 * Only the default tenant, without settings: every row of other tenants goes first, from every
 * table that refers to tenants (found in the catalog, so a new table cannot be forgotten).
 */
export async function resetTenants(): Promise<void> {
  const sql = services(env).sql;
  const tables = (await sql.query(
    `SELECT DISTINCT conrelid::regclass::text AS name FROM pg_constraint
     WHERE contype = 'f' AND confrelid = 'tenants'::regclass AND conrelid <> 'tenant_secrets'::regclass`,
  )) as { name: string }[];
  for (const { name } of tables) await sql.query(`DELETE FROM ${name} WHERE tenant_id <> 'default'`);
  await sql.query(`DELETE FROM tenants WHERE id <> 'default'`);
  await sql.query(`DELETE FROM tenant_secrets`);
  await sql.query(`UPDATE tenants SET settings = '{}', enabled = true, name = 'default' WHERE id = 'default'`);
  invalidateTenants();
}

/** A clean slate: no servers, no meetings, no recordings processing on them, no routes, simulator reset. */
export async function resetAll(): Promise<void> {
  const svc = services(env);
  await svc.sql.query('DELETE FROM meeting_history');
  await svc.sql.query('DELETE FROM recording_processing');
  await svc.sql.query('DELETE FROM servers');
  await svc.redis.flushdb();
  invalidateServers();
  await sim('/reset', { body: {} });
  await resetCounters();
}

/** The request with a body that stops after `keep` bytes, as when the sender dies mid-upload. */
export async function cutBody(req: Request, keep: number): Promise<Request> {
  const all = new Uint8Array(await req.arrayBuffer());
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent) return c.error(new Error('connection reset'));
      sent = true;
      c.enqueue(all.slice(0, keep));
    },
  });
  return new Request(req.url, { method: req.method, headers: req.headers, body });
}
