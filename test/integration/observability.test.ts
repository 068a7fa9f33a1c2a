import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { poll } from '../../src/cluster/poll';
import { services } from '../../src/services';
import { MetricsStore } from '../../src/store/metrics';
import {
  BASE,
  bbb,
  call,
  counters,
  encode,
  envWith,
  hex,
  nodeCalls,
  nodes,
  registerServers,
  resetAll,
  runPoll,
  SECRET,
  send,
  sim,
  startCounting,
  totalNodeCalls,
} from './support';
import { parseExposition, value } from './exposition';

beforeEach(resetAll);
afterEach(() => vi.restoreAllMocks());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every line the Worker logged while `step` ran; the JSON ones parsed (others stay `{ text }`). */
async function logged(step: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  }
  await step();
  vi.restoreAllMocks();
  return lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, any>) : { text: l }));
}

const requestLines = (lines: Record<string, any>[]) => lines.filter((l) => l.msg === 'request');

describe('correlation ids', () => {
  it('every answer carries X-Request-ID: liveness, BBB errors, redirects, unknown paths', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'c-1', name: 'Room' });
    const answers = [
      await send(new Request(`${BASE}/health`)),
      await bbb('isMeetingRunning', { meetingID: 'c-1' }, { checksum: 'bad' }),
      await bbb('join', { meetingID: 'c-1', fullName: 'A', role: 'VIEWER' }),
      await send(new Request(`${BASE}/no/such/path`)),
      await send(new Request(`${BASE}/metrics`)),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 302, 200, 404]);
    for (const r of answers) expect(r.headers.get('x-request-id')).toMatch(UUID);
    expect(new Set(answers.map((r) => r.headers.get('x-request-id'))).size).toBe(answers.length);
  });

  it('keeps a sane incoming X-Request-ID, else CF-Ray, else makes one', async () => {
    const idOf = async (headers: Record<string, string>) =>
      (await send(new Request(`${BASE}/health`, { headers }))).headers.get('x-request-id');
    expect(await idOf({ 'X-Request-ID': 'lms-7f3a9c21.trace_01' })).toBe('lms-7f3a9c21.trace_01');
    expect(await idOf({ 'CF-Ray': '8c5e1b2a3f4d5e6f-AMS' })).toBe('8c5e1b2a3f4d5e6f-AMS');
    expect(await idOf({ 'X-Request-ID': 'bad id', 'CF-Ray': '8c5e1b2a3f4d5e6f-FRA' })).toBe('8c5e1b2a3f4d5e6f-FRA');
    for (const bad of ['short', 'a'.repeat(129), 'x"}{"level":"forged"', 'abc/def/ghi', 'line%0Abreak']) {
      expect(await idOf({ 'X-Request-ID': bad }), bad).toMatch(UUID);
    }
  });

  it('one JSON line per request, with the id, call, result, tenant and server, and no query, checksum or password', async () => {
    const [id] = await registerServers(1);
    await call('create', { meetingID: 'c-2', name: 'Room', moderatorPW: 'mod-secret-pw', attendeePW: 'att-secret-pw' });
    const query = encode({ meetingID: 'c-2', fullName: 'Ann', role: 'MODERATOR', password: 'mod-secret-pw' });
    const checksum = await hex('sha1', `join${query}${SECRET}`);
    let res!: Response;
    const lines = await logged(async () => {
      res = await send(new Request(`${BASE}/bigbluebutton/api/join?${query}&checksum=${checksum}`, { headers: { 'X-Request-ID': 'trace-join-0001' } }));
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('x-request-id')).toBe('trace-join-0001');
    const [line, ...more] = requestLines(lines);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      requestId: 'trace-join-0001',
      method: 'GET',
      path: '/bigbluebutton/api/join',
      call: 'join',
      status: 302,
      messageKey: 'SUCCESS',
      tenant: 'default',
      server: id,
    });
    expect(typeof line!.ms).toBe('number');
    const text = JSON.stringify(lines);
    for (const secret of [checksum, 'mod-secret-pw', SECRET, nodes[0]!.secret, '?']) expect(text).not.toContain(secret);
  });

  it('never logs a token carried in the path', async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJtZWV0aW5nX2lkIjoibS0xIn0.c2lnbmF0dXJlLW5vdC12YWxpZA';
    const lines = await logged(() => send(new Request(`${BASE}/callbacks/end/${token}?meetingID=m-1`)));
    expect(requestLines(lines)).toMatchObject([{ path: '/callbacks/end/[redacted]' }]);
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('logs the messageKey of a failed call', async () => {
    const lines = await logged(() => bbb('getMeetingInfo', { meetingID: 'nope' }));
    expect(requestLines(lines)).toMatchObject([{ call: 'getMeetingInfo', messageKey: 'notFound', status: 200 }]);
    const bad = await logged(() => bbb('getMeetingInfo', { meetingID: 'nope' }, { checksum: 'x' }));
    expect(requestLines(bad)).toMatchObject([{ call: 'getMeetingInfo', messageKey: 'checksumError' }]);
  });

  it('an unexpected failure is logged on the request line, at error level, without details of the store', async () => {
    const down = { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1' };
    const lines = await logged(() => call('join', { meetingID: 'x', fullName: 'A', role: 'VIEWER' }, { env: down }));
    const [line] = requestLines(lines);
    expect(line).toMatchObject({ level: 'error', call: 'join', messageKey: 'internalError', status: 200 });
    expect(line!.error).toMatch(/^\w*Error: /);
    expect(JSON.stringify(lines)).not.toContain((env as Record<string, string>).UPSTASH_REDIS_REST_TOKEN!);
  });

  it('passes the id to the node as a header, never in the signed query', async () => {
    await registerServers(1);
    const seen: { url: string; id: string | null }[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const req = new Request(input, init);
      if (req.url.startsWith(nodes[0]!.url)) seen.push({ url: req.url, id: req.headers.get('x-request-id') });
      return realFetch(input, init);
    });
    const res = await send(
      new Request(`${BASE}/bigbluebutton/api/create?${encode({ meetingID: 'c-3', name: 'Room' })}&checksum=${await hex('sha1', `create${encode({ meetingID: 'c-3', name: 'Room' })}${SECRET}`)}`, {
        headers: { 'X-Request-ID': 'trace-create-0001' },
      }),
    );
    expect(await res.text()).toContain('SUCCESS');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.id).toBe('trace-create-0001');
    expect(seen[0]!.url).not.toContain('trace-create-0001');
    const { recent } = await nodeCalls(0);
    expect(recent.find((r: { call: string }) => r.call === 'create').rawQuery).not.toContain('trace-create');
  });
});

describe('/health/ready', () => {
  const ready = async (overrides: Record<string, string> = {}) => {
    const res = await send(new Request(`${BASE}/health/ready`), overrides);
    return { status: res.status, body: (await res.json()) as any, id: res.headers.get('x-request-id') };
  };

  it('is unready until a poll completes, unready when polling goes stale, ready again when it resumes', async () => {
    await registerServers(1);
    await services(env).redis.flushall();
    const none = await ready();
    expect(none).toMatchObject({
      status: 503,
      body: { status: 'unready', checks: { postgres: { ok: true }, redis: { ok: true }, poll: { ok: false, lastPollAt: null, error: 'no poll has completed', staleAfterSeconds: 180 } } },
    });
    expect(none.id).toMatch(UUID);

    await runPoll();
    const fresh = await ready();
    expect(fresh).toMatchObject({ status: 200, body: { status: 'ready', checks: { poll: { ok: true } } } });
    expect(fresh.body.checks.poll.ageSeconds).toBeLessThan(180);

    // The poller stops: its last cycle ran 200 s ago.
    await poll(services(env), Date.now() - 200_000);
    const stale = await ready();
    expect(stale).toMatchObject({ status: 503, body: { status: 'unready', checks: { poll: { ok: false, error: 'polling is stale' } } } });
    expect(stale.body.checks.poll.ageSeconds).toBeGreaterThanOrEqual(200);
    // POLL_STALE_SECONDS moves the limit.
    expect(await ready({ POLL_STALE_SECONDS: '600' })).toMatchObject({ status: 200, body: { checks: { poll: { staleAfterSeconds: 600 } } } });

    await runPoll();
    expect(await ready()).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('reports Redis and Postgres failures as 503 with a general reason, no details', async () => {
    await runPoll();
    const redisDown = await ready({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1' });
    expect(redisDown).toMatchObject({
      status: 503,
      body: { checks: { postgres: { ok: true }, redis: { ok: false, error: 'redis unreachable' }, poll: { ok: false, error: 'last poll unknown: Redis unreachable' } } },
    });
    const url = new URL((env as Record<string, string>).DATABASE_URL!);
    url.pathname = '/no_such_database';
    const pgDown = await ready({ DATABASE_URL: url.toString() });
    expect(pgDown).toMatchObject({ status: 503, body: { checks: { postgres: { ok: false, error: 'postgres unreachable' }, redis: { ok: true } } } });
    expect(JSON.stringify(pgDown.body)).not.toContain('no_such_database');
  });

  it('never hangs: a Redis that accepts and never answers makes it unready within the check timeout', async () => {
    await runPoll();
    // A simulated node holding every request open stands in for a hung Upstash endpoint.
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'timeout' } });
    try {
      const hung = await ready({ UPSTASH_REDIS_REST_URL: nodes[0]!.url });
      expect(hung).toMatchObject({ status: 503, body: { checks: { postgres: { ok: true }, redis: { ok: false, error: 'redis unreachable' } } } });
    } finally {
      await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'none' } });
    }
  });

  it('answers 503, not 500, when the configuration is invalid, naming the settings but not their values; /health stays up', async () => {
    const r = await ready({ SERVER_HEALTHY_THRESHOLD: 'many', CONNECT_TIMEOUT: '-3' });
    expect(r).toMatchObject({
      status: 503,
      body: {
        status: 'unready',
        checks: { config: { ok: false, error: 'invalid configuration: CONNECT_TIMEOUT, SERVER_HEALTHY_THRESHOLD', settings: ['CONNECT_TIMEOUT', 'SERVER_HEALTHY_THRESHOLD'] } },
      },
    });
    expect(JSON.stringify(r.body)).not.toMatch(/many|-3/);
    const live = await send(new Request(`${BASE}/health`), { SERVER_HEALTHY_THRESHOLD: 'many' });
    expect(live.status).toBe(200);
  });

  it('/health touches no storage', async () => {
    await startCounting();
    expect((await send(new Request(`${BASE}/health`))).status).toBe(200);
    expect(await counters()).toEqual({ redis: 0, postgres: 0 });
  });
});

describe('/metrics', () => {
  const TOKEN = 'metrics-token-3b9f0c7e';
  const scrape = async (overrides: Record<string, string>, authorization?: string) =>
    send(new Request(`${BASE}/metrics`, authorization ? { headers: { Authorization: authorization } } : {}), overrides);

  it('is disabled (404) without METRICS_TOKEN, and needs the bearer token when set', async () => {
    const off = await scrape({}, `Bearer ${TOKEN}`);
    expect(off.status).toBe(404);
    expect(await off.json()).toEqual({ error: 'Metrics are disabled: METRICS_TOKEN is not set.' });
    const on = { METRICS_TOKEN: TOKEN };
    for (const auth of [undefined, 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${btoa(`x:${TOKEN}`)}`, TOKEN]) {
      const res = await scrape(on, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await res.text()).not.toContain(TOKEN);
    }
    const ok = await scrape(on, `bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('serves per-server gauges, poll stats and request counters in the exposition format, without secrets', async () => {
    const on = { METRICS_TOKEN: `${TOKEN}-a`, METRICS_FLUSH_SECONDS: '3600' };
    const [a, b] = await registerServers(2);
    await runPoll(on);
    await call('create', { meetingID: 'm-1', name: 'Room' }, { env: on });
    expect((await bbb('join', { meetingID: 'm-1', fullName: 'A', role: 'VIEWER' }, { env: on })).status).toBe(302);
    await call('join', { meetingID: 'missing', fullName: 'A', role: 'VIEWER' }, { env: on });
    await call('isMeetingRunning', { meetingID: 'm-1' }, { env: on, checksum: 'bad' });
    await call('nosuchcall', {}, { env: on });
    await call('create', { meetingID: 'm-2', name: 'Room', 'meta_server-tag': 'gpu!' }, { env: on });

    const res = await scrape(on, `Bearer ${on.METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of [SECRET, nodes[0]!.secret, nodes[1]!.secret, on.METRICS_TOKEN]) expect(text).not.toContain(secret);
    const m = parseExposition(text);

    const host = new URL(nodes[0]!.url).host;
    const created = (await nodeCalls(0)).counts.create ? a! : b!;
    expect(value(m, 'scaleflare_server_online', { server: a!, host })).toBe(1);
    expect(value(m, 'scaleflare_server_state', { server: a!, state: 'enabled' })).toBe(1);
    expect(value(m, 'scaleflare_server_state', { server: a!, state: 'cordoned' })).toBe(0);
    expect(value(m, 'scaleflare_server_meetings', { server: a! })).toBe(0);
    expect(value(m, 'scaleflare_server_load', { server: created })).toBeGreaterThan(0);
    for (const name of ['scaleflare_server_users', 'scaleflare_server_video_streams', 'scaleflare_server_last_poll_age_seconds']) {
      expect(m.get(name)?.samples).toHaveLength(2);
    }
    expect(m.get('scaleflare_poll_cycles_total')?.type).toBe('counter');
    expect(value(m, 'scaleflare_poll_cycles_total')).toBeGreaterThanOrEqual(2);
    expect(value(m, 'scaleflare_poll_servers')).toBe(2);
    expect(value(m, 'scaleflare_poll_failed_servers')).toBe(0);
    expect(value(m, 'scaleflare_poll_last_success_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(m, 'scaleflare_poll_duration_seconds')).toBeGreaterThanOrEqual(0);

    expect(value(m, 'scaleflare_api_requests_total', { call: 'create', result: 'SUCCESS' })).toBe(1);
    expect(value(m, 'scaleflare_api_requests_total', { call: 'create', result: 'serverTagUnavailable' })).toBe(1);
    expect(value(m, 'scaleflare_api_requests_total', { call: 'join', result: 'SUCCESS' })).toBe(1);
    expect(value(m, 'scaleflare_api_requests_total', { call: 'join', result: 'notFound' })).toBe(1);
    expect(value(m, 'scaleflare_api_requests_total', { call: 'isMeetingRunning', result: 'checksumError' })).toBe(1);
    expect(value(m, 'scaleflare_api_requests_total', { call: 'unsupported', result: 'unsupportedRequest' })).toBe(1);
    expect(value(m, 'scaleflare_join_redirects_total', { server: created })).toBe(1);
    expect(value(m, 'scaleflare_placement_decisions_total', { decision: 'new', server: created })).toBe(1);
    expect(value(m, 'scaleflare_placement_failures_total', { reason: 'tag_unavailable' })).toBe(1);
  });

  /** Storage round trips (waitUntil work included) and backend calls of one step. */
  async function cost(step: () => Promise<unknown>): Promise<{ redis: number; postgres: number; backend: number }> {
    await startCounting();
    await step();
    return { ...(await counters()), backend: await totalNodeCalls() };
  }

  it('counting adds no round trip to the hot path: every call costs what it costs with metrics off', async () => {
    const on = { METRICS_TOKEN: `${TOKEN}-b`, METRICS_FLUSH_SECONDS: '3600' };
    await registerServers(2);
    await call('create', { meetingID: 'b-1', name: 'Room' });
    await call('isMeetingRunning', { meetingID: 'b-1' });
    const steps: Record<string, (env: Record<string, string>) => Promise<unknown>> = {
      join: (env) => bbb('join', { meetingID: 'b-1', fullName: 'A', role: 'VIEWER' }, { env }),
      'create (existing)': (env) => call('create', { meetingID: 'b-1', name: 'Room' }, { env }),
      getMeetings: (env) => call('getMeetings', {}, { env }),
      'getMeetingInfo (unknown meeting)': (env) => call('getMeetingInfo', { meetingID: 'nope' }, { env }),
      checksumError: (env) => call('getMeetingInfo', { meetingID: 'b-1' }, { env, checksum: 'bad' }),
    };
    for (const [name, step] of Object.entries(steps)) {
      const off = await cost(() => step({}));
      expect(await cost(() => step(on)), name).toEqual(off);
    }
    // And join keeps DESIGN.md's budget.
    expect(await cost(() => steps.join!(on))).toEqual({ redis: 1, postgres: 0, backend: 0 });
  });

  it('the batch reaches Redis in one pipeline, in waitUntil, at most once per interval per isolate', async () => {
    const on = { METRICS_TOKEN: `${TOKEN}-c`, METRICS_FLUSH_SECONDS: '1' };
    await registerServers(1);
    await call('create', { meetingID: 'b-1', name: 'Room' }, { env: on });
    const join = () => bbb('join', { meetingID: 'b-1', fullName: 'A', role: 'VIEWER' }, { env: on });
    await new Promise((r) => setTimeout(r, 1100));
    // The interval has passed: this join's waitUntil carries the whole batch, the next one nothing.
    expect(await cost(join)).toEqual({ redis: 2, postgres: 0, backend: 0 });
    expect(await cost(join)).toEqual({ redis: 1, postgres: 0, backend: 0 });
    const stored = await new MetricsStore(services(env).redis, 'scaleflare').totals(new Map());
    expect(stored.get('scaleflare_api_requests_total{call="create",result="SUCCESS"}')).toBe(1);
    expect(stored.get('scaleflare_api_requests_total{call="join",result="SUCCESS"}')).toBe(1);
    // The scrape adds what this isolate still holds.
    const res = await send(new Request(`${BASE}/metrics`, { headers: { Authorization: `Bearer ${on.METRICS_TOKEN}` } }), on);
    expect(await res.text()).toContain('scaleflare_api_requests_total{call="join",result="SUCCESS"} 2');
  });

  it('answers 503 JSON when Redis hangs, before Prometheus gives up', { timeout: 15_000 }, async () => {
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'timeout' } });
    try {
      const hung = { METRICS_TOKEN: `${TOKEN}-e`, UPSTASH_REDIS_REST_URL: nodes[0]!.url };
      const res = await send(new Request(`${BASE}/metrics`, { headers: { Authorization: `Bearer ${hung.METRICS_TOKEN}` } }), hung);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'Metrics are unavailable: storage is unreachable.' });
    } finally {
      await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'none' } });
    }
  });

  it('answers 503 JSON when Redis is unreachable', async () => {
    const down = { METRICS_TOKEN: `${TOKEN}-d`, UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1' };
    const res = await send(new Request(`${BASE}/metrics`, { headers: { Authorization: `Bearer ${down.METRICS_TOKEN}` } }), down);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'Metrics are unavailable: storage is unreachable.' });
  });
});
