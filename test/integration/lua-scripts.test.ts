import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { ClusterState } from '../../src/store/cluster-state';
import { keys, meetingOwner } from '../../src/store/keys';
import type { Redis } from '../../src/store/redis';
import { RouteStore } from '../../src/store/routes';
import { call, counters, registerServers, resetAll, resetCounters, SCRIPTS } from './support';

/**
 * The Lua protocol (src/store/lua/script.ts): hashes as Redis computes them, EVALSHA with one
 * EVAL the first time only, and every key a script touches named by keys.ts — in KEYS, or, for a
 * key named by what the script read, from a family of keys.ts.
 */

const svc = () => services(env);
const ns = () => svc().cfg.redis.namespace;

/** Records the key of every command a script runs (its first argument, every argument of DEL) in a list. */
const TOUCHED = '__touched';
const RECORDER = `local real = redis
local redis = setmetatable({ call = function(cmd, ...)
  local a = { ... }
  for i = 1, (cmd == 'DEL' and #a or 1) do real.call('RPUSH', '${TOUCHED}', a[i]) end
  return real.call(cmd, ...)
end }, { __index = real })
`;

/** A client whose scripts run with the recorder, remembering the KEYS each call passed. */
function recording(redis: Redis): { client: Redis; passed: string[][] } {
  const passed: string[][] = [];
  const client = {
    evalsha: () => Promise.reject(new Error('NOSCRIPT No matching script')),
    eval: (body: string, k: string[], args: string[]) => {
      passed.push(k);
      return redis.eval(RECORDER + body, k, args);
    },
  } as unknown as Redis;
  return { client, passed };
}

describe('Lua scripts', () => {
  beforeAll(resetAll);

  it('each script is sent by the SHA-1 Redis computes for its body', async () => {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      expect(await script.sha(), name).toBe(await svc().redis.scriptLoad(script.body));
    }
  });

  it('a Redis without the script costs one more round trip, once: NOSCRIPT, then EVAL', async () => {
    const ids = await registerServers(1);
    expect((await call('create', { meetingID: 'cold', name: 'Cold' })).returncode).toBe('SUCCESS');
    const routes = new RouteStore(svc().redis, ns());
    // resetCounters loads the scripts once per file, which beforeAll did: they stay flushed.
    await svc().redis.scriptFlush();
    await resetCounters();
    expect((await routes.lookup('default', 'cold', 'info'))?.server).toBe(ids[0]);
    expect((await counters()).redis).toBe(2);
    await resetCounters();
    expect((await routes.lookup('default', 'cold', 'info'))?.server).toBe(ids[0]);
    expect((await counters()).redis).toBe(1);
    // The others back in Redis for the files after this one.
    const p = svc().redis.pipeline();
    for (const s of Object.values(SCRIPTS)) p.scriptLoad(s.body);
    await p.exec();
  });

  it('no script body names a key: no namespace, no key prefix, no argument but the one JSON (and poll payloads)', () => {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      // A key name in Lua would be a literal with a ':' in it, or a concatenation with the namespace.
      expect(script.body, name).not.toMatch(/'[^'\n]*:[^'\n]*'/);
      expect(script.body, name).not.toMatch(/\bns\b/);
      const argv = [...new Set(script.body.match(/ARGV\[[^\]]+\]/g))];
      expect(argv, name).toEqual(name === 'POLL_APPLY' ? ['ARGV[1]', 'ARGV[j + 2]', 'ARGV[2]'] : ['ARGV[1]']);
      expect(script.body, name).toMatch(/^local arg = cjson\.decode\(ARGV\[1\]\)/);
    }
  });

  it('every key a script touches is in KEYS or named by keys.ts for what the script read', async () => {
    await resetAll();
    const [a, b] = await registerServers(2, { tags: [null, 'blue'] });
    const redis = svc().redis;
    const { client, passed } = recording(redis);
    const routes = new RouteStore(client, ns());
    const cluster = new ClusterState(client, ns());
    const k = keys(ns());
    const fam = k.families();
    const tenants = ['default'];
    const meetings = ['m1', 'm2', 'm3'];
    // Every key these servers, tags, tenants and meetings can have, as keys.ts names them.
    const universe = new Set<string>([
      ...[k.servers(), k.voiceBridges(), k.attendeeUsage(), k.tenants(), k.lastPoll(), k.pollStats(), k.metrics(), k.pollLock()],
      ...[a!, b!].map(k.server),
      ...['none', 'blue'].map(k.load),
      ...tenants.flatMap((t) => [k.meetings(t), k.snapshot(t)]),
      ...meetings.flatMap((m) => [k.route('default', m), k.answer('info', 'default', m), k.answer('running', 'default', m)]),
    ]);
    const byFamily = (key: string) => Object.values(fam).some((prefix) => key.startsWith(prefix));
    const check = async (what: string) => {
      const touched = (await redis.lrange(TOUCHED, 0, -1)) as string[];
      await redis.del(TOUCHED);
      const given = passed.splice(0).flat();
      expect(touched.length, what).toBeGreaterThan(0);
      for (const key of touched) {
        expect(universe.has(key), `${what}: ${key} is a key of keys.ts`).toBe(true);
        if (!byFamily(key)) expect(given, `${what}: ${key} in KEYS`).toContain(key);
      }
    };
    const place = (meetingID: string, tags: string[] = []) =>
      routes.place({
        tenant: 'default', meetingID, now: Date.now(), ttlSeconds: 60, tags, tagsRequired: tags.length > 0, reserve: 1, users: 1,
        voiceBridges: [`7100${meetingID.slice(1)}`], moderatorPW: 'pw', indexEntry: '{}', limits: { meetings: 10, attendees: 100 }, recovery: 'r',
      });

    expect((await place('m1')).status).toBe('new');
    await check('place');
    expect((await place('m2', ['blue'])).status).toBe('new');
    await check('place, tagged');
    expect((await place('m1')).status).toBe('existing');
    await check('place, existing');
    for (const mode of ['join', 'info', 'running', ''] as const) {
      expect((await routes.lookup('default', 'm1', mode))?.server, mode).toBe(a);
      await check(`lookup ${mode}`);
    }
    expect(await routes.suspect(b!, Date.now(), 'test')).toBe(true);
    await check('suspect');
    expect(await routes.forget('default', 'm1')).toMatchObject({ server: a });
    await check('forget');
    const server = (await svc().cluster.mirroredServers()).find((s) => s.id === a)!;
    await cluster.apply({
      full: true, now: Date.now(), routeTtlSeconds: 60, thresholds: { healthy: 1, unhealthy: 1, panic: 1 }, graceMs: 0,
      servers: [{ server, result: { online: true, load: 0, meetings: 1, users: 0, largestMeeting: 0, videos: 0, error: '', version: '' } }],
      tags: ['blue'], tenants, snapshots: [{ tenant: 'default', server: a!, json: '[]' }],
      found: [{ tenant: 'default', meetingID: 'm3', server: a!, voiceBridge: '', moderatorPW: 'pw' }],
      cycle: { ms: 1, polled: 1, failed: 0 }, attendees: new Map([['default', 0]]),
    });
    await check('poll apply, full');
    expect(await routes.forgetServer(a!, tenants)).toEqual([{ tenant: 'default', meetingID: 'm3', moderatorPW: 'pw' }]);
    await check('panic');
    await redis.set(k.pollLock(), 'token');
    await cluster.releasePollLock('token');
    await check('release poll lock');
    expect(await redis.exists(k.pollLock())).toBe(0);
  });
});
