import { FORGET_FOUND_FN } from './forget-route.js';
import { ARG, Script } from './script.js';
import type { KeyFamilies } from '../keys.js';

/**
 * A server as the script reads it: a tuple in the order of SERVER_FIELDS (a pool may have
 * thousands). Values the script writes as they are travel as strings; capacities '' = unknown.
 */
export type PollServerArg = [
  id: string,
  state: string,
  /** '' untagged. */
  tag: string,
  mult: string,
  url: string,
  secret: string,
  /** Pending secret ('' = none). */
  next: string,
  /** Proxy basename ('' = default). */
  basename: string,
  polled: boolean,
  /** It answered (being online also depends on the thresholds). */
  answered: boolean,
  load: string,
  meetings: string,
  users: string,
  largest: string,
  videos: string,
  error: string,
  /** '' keeps the last known version. */
  version: string,
  capu: string,
  capm: string,
  capv: string,
];

const SERVER_FIELDS = `'id', 'state', 'tag', 'mult', 'url', 'secret', 'next', 'basename', 'polled', 'answered', 'load',
  'meetings', 'users', 'largest', 'videos', 'error', 'version', 'capu', 'capm', 'capv'`;

/**
 * KEYS, in this order: the server set, the voice bridge hash, the attendee usage hash, the tenant
 * mirror, the last poll, the poll stats, the metrics hash; then one per server (its hash), one per
 * tag (its load zset), two per tenant of `tenants` and then of `others` (its meeting index, its
 * snapshot hash) and one per meeting found (its route).
 * ARGV[2] is the tenant mirror (src/store/tenant-mirror.ts; '' = left as it is), ARGV[3], … the
 * snapshots' JSON.
 */
export interface PollApplyArg {
  /** ms and s, written as is. */
  now: string;
  ttl: string;
  full: boolean;
  healthy: number;
  unhealthy: number;
  panic: number;
  /** ms: a route younger than this survives its node not reporting it. */
  grace: number;
  servers: PollServerArg[];
  /** Every tag in use ('none' included, every server's own among them). */
  tags: string[];
  /** The tenants whose meetings are reconciled (and panicked). */
  tenants: string[];
  /** meetingOwner(tenant, '') per tenant. */
  owners: string[];
  /** Other tenants the snapshots and meetings found name. */
  others: string[];
  /** [tenant, server] whose meetings follow as ARGV[3], … (JSON, '' drops them). */
  snapshots: [tenant: string, server: string][];
  /** Meetings the nodes reported (a cycle may carry thousands). */
  found: [tenant: string, meetingID: string, owner: string, server: string, voiceBridge: string, moderatorPW: string][];
  /** Full cycles: ms, servers polled, servers that failed. */
  cycle: { ms: string; polled: string; failed: string };
  /** Attendees per tenant on the pool: [tenant, count]. */
  attendees: [string, string][];
  /** Routes and answers of meetings found in indexes and voice bridges, servers found in the mirror. */
  families: KeyFamilies;
}

/**
 * Writes one poll cycle in one round trip, atomically: the server mirror (config, health, stats),
 * the tenant mirror, the placement zsets, per-server meeting snapshots for getMeetings, and the
 * routes, reconciled with what the nodes reported — the nodes are the truth about live meetings,
 * Redis a cache of it.
 *
 * Health, as Scalelite: a server comes online after SERVER_HEALTHY_THRESHOLD good polls in a row
 * and goes offline after SERVER_UNHEALTHY_THRESHOLD failed ones (a server never seen online is
 * offline at once). Offline, it gets no new meetings, joins to its meetings answer
 * serverUnavailable and a re-create places the meeting elsewhere. After SERVER_PANIC_THRESHOLD
 * failed polls in a row it is auto-panicked: its routes, index entries and voice bridges go, and
 * the meetings are returned so the caller can ask the node to end them.
 *
 * A server marked suspect by a failed call on the request path (lua/suspect.ts) stays out of
 * placement until a poll that began after the failure gets its answer.
 *
 * A full cycle also reconciles: meetings found on a node get (or keep) their route; a route whose
 * node answered without the meeting goes (unless placed within the grace period, as its create may
 * still be in flight); index entries without a route, routes to deleted servers and voice bridges
 * without a meeting go. A meeting this cycle found on two nodes is a stale copy on the node its
 * route does not name (the node came back after the meeting was re-created elsewhere): it is
 * returned so the caller ends it; a copy seen on one node only is never ended.
 *
 * Returns {removed routes and index entries, number of auto-panicked meetings, then per auto-panicked
 *   meeting and then per stale copy: server, tenant, meetingID, pw}.
 */
export const POLL_APPLY = new Script<PollApplyArg, (string | number)[]>(`${ARG}${FORGET_FOUND_FN}
local fam = arg.families
local now, ttl = arg.now, arg.ttl
local nowMs = tonumber(now)
local full = arg.full
local healthy, unhealthy, panicAt, grace = arg.healthy, arg.unhealthy, arg.panic, arg.grace
local serversKey, vbKey = KEYS[1], KEYS[2]
local k = 7
local function nextKey() k = k + 1; return KEYS[k] end

local tenants, owners = arg.tenants, arg.owners
local servers = {}
for _, row in ipairs(arg.servers) do
  local s = {}
  for j, f in ipairs({${SERVER_FIELDS}}) do s[f] = row[j] end
  s.key = nextKey()
  servers[#servers + 1] = s
end
local tags, loads = arg.tags, {}
for _, t in ipairs(tags) do loads[t] = nextKey() end
local indexes, snapshots, indexOf, snapshotOf = {}, {}, {}, {}
for i, t in ipairs(tenants) do
  indexes[i], snapshots[i] = nextKey(), nextKey()
  indexOf[t], snapshotOf[t] = indexes[i], snapshots[i]
end
for _, t in ipairs(arg.others) do indexOf[t], snapshotOf[t] = nextKey(), nextKey() end

local out = {0, 0}
local function panic(sid)
  for i, t in ipairs(tenants) do
    for _, mid in ipairs(redis.call('HKEYS', indexes[i])) do
      if redis.call('HGET', fam.route .. owners[i] .. mid, 's') == sid then
        local cur = forgetFound(fam, owners[i], indexes[i], mid, vbKey)
        out[#out + 1] = sid; out[#out + 1] = t; out[#out + 1] = mid; out[#out + 1] = cur[3] or ''
        out[2] = out[2] + 1
      end
    end
  end
end

local known, answered = {}, {}
for _, s in ipairs(servers) do
  known[s.id] = true
  local key = s.key
  redis.call('SADD', serversKey, s.id)
  -- Back from disabled (not polled), it may have been upgraded: the next poll reads its version again.
  if redis.call('HGET', key, 'state') == 'disabled' and s.state ~= 'disabled' then redis.call('HDEL', key, 'versionAt') end
  redis.call('HSET', key, 'state', s.state, 'tag', s.tag, 'mult', s.mult, 'url', s.url, 'secret', s.secret,
    'next', s.next, 'basename', s.basename, 'capu', s.capu, 'capm', s.capm, 'capv', s.capv)
  if s.polled then
    local was = redis.call('HGET', key, 'online')
    local online = was == '1' and '1' or '0'
    if s.answered then
      answered[s.id] = true
      -- rm/ru: meetings and users reserved by placements since this poll (lua/place.ts, admission control).
      redis.call('HSET', key, 'uc', 0, 'fails', 0, 'load', s.load, 'meetings', s.meetings, 'users', s.users,
        'largest', s.largest, 'videos', s.videos, 'rm', 0, 'ru', 0)
      redis.call('HDEL', key, 'panicked')
      local suspect = tonumber(redis.call('HGET', key, 'suspect'))
      if suspect and suspect < nowMs then redis.call('HDEL', key, 'suspect', 'suspectCause') end
      -- This cycle's snapshots replace the last ones, for tenants that no longer have meetings there too.
      for i = 1, #tenants do redis.call('HDEL', snapshots[i], s.id) end
      if s.version ~= '' then redis.call('HSET', key, 'version', s.version, 'versionAt', now) end
      if was ~= '1' and redis.call('HINCRBY', key, 'hc', 1) >= healthy then
        online = '1'
        redis.call('HSET', key, 'hc', 0)
      end
    else
      redis.call('HSET', key, 'hc', 0)
      local fails = redis.call('HINCRBY', key, 'fails', 1)
      if was == '1' and redis.call('HINCRBY', key, 'uc', 1) >= unhealthy then
        online = '0'
        redis.call('HSET', key, 'uc', 0)
      end
      if online == '0' and fails >= panicAt and not redis.call('HGET', key, 'panicked') then
        panic(s.id)
        redis.call('HSET', key, 'panicked', now)
        -- The /metrics counter (src/store/metrics.ts), in this write rather than a round trip of its own.
        redis.call('HINCRBY', KEYS[7], 'scaleflare_server_panics_total{server="' .. s.id .. '",cause="auto"}', 1)
      end
    end
    if online == '0' and was == '1' then
      for i = 1, #tenants do redis.call('HDEL', snapshots[i], s.id) end
      redis.call('HSET', key, 'load', 0, 'meetings', 0, 'users', 0, 'largest', 0, 'videos', 0)
    end
    redis.call('HSET', key, 'online', online, 'polled', now, 'error', s.error)
    -- When the outage began (the poll it went offline, or the first poll of a server never online).
    if online == '1' then redis.call('HDEL', key, 'offline')
    elseif not redis.call('HGET', key, 'offline') then redis.call('HSET', key, 'offline', now) end
  end
  local own = s.tag ~= '' and s.tag or 'none'
  for _, t in ipairs(tags) do
    if t ~= own then redis.call('ZREM', loads[t], s.id) end
  end
  if s.state == 'enabled' and redis.call('HGET', key, 'online') == '1' and not redis.call('HGET', key, 'suspect') then
    redis.call('ZADD', loads[own], redis.call('HGET', key, 'load') or '0', s.id)
  else
    redis.call('ZREM', loads[own], s.id)
  end
end
-- Servers deleted from the configuration leave the mirror.
for _, id in ipairs(full and redis.call('SMEMBERS', serversKey) or {}) do
  if not known[id] then
    redis.call('DEL', fam.server .. id)
    redis.call('SREM', serversKey, id)
    for _, t in ipairs(tags) do redis.call('ZREM', loads[t], id) end
  end
end

for j, w in ipairs(arg.snapshots) do
  local key, json = snapshotOf[w[1]], ARGV[j + 2]
  if json == '' then redis.call('HDEL', key, w[2])
  else redis.call('HSET', key, w[2], json) end
end

local seen, elsewhere = {}, {}
for _, f in ipairs(arg.found) do
  local route = nextKey()
  local tenant, mid, owner, sid, vb, pw = f[1], f[2], f[3], f[4], f[5], f[6]
  seen[owner .. '\\n' .. sid] = true
  local cur = redis.call('HMGET', route, 's', 'v')
  local keep = cur[1] == sid
  if cur[1] and cur[1] ~= sid then
    -- Another live server already owns this meeting ID: leave its route alone.
    local st = redis.call('HMGET', fam.server .. cur[1], 'online', 'state')
    keep = st[1] == '1' and st[2] ~= 'disabled'
    if keep then elsewhere[#elsewhere + 1] = {tenant, mid, sid, pw, cur[1], owner} end
  end
  if not keep then
    if cur[2] and cur[2] ~= vb and redis.call('HGET', vbKey, cur[2]) == owner then redis.call('HDEL', vbKey, cur[2]) end
    redis.call('DEL', route)
    redis.call('HSET', route, 's', sid, 't', now)
  end
  if redis.call('HGET', route, 's') == sid then
    -- The node's own voice bridge and password, so dial-in stays unique and panic can end it.
    if vb ~= '' and not redis.call('HGET', route, 'v') and redis.call('HSETNX', vbKey, vb, owner) == 1 then
      redis.call('HSET', route, 'v', vb)
    end
    if pw ~= '' then redis.call('HSETNX', route, 'p', pw) end
  end
  -- A meeting the nodes still report keeps its route, however long it runs.
  redis.call('EXPIRE', route, ttl)
  redis.call('HSETNX', indexOf[tenant], mid, '{}')
end

for _, c in ipairs(elsewhere) do
  if seen[c[6] .. '\\n' .. c[5]] then
    out[#out + 1] = c[3]; out[#out + 1] = c[1]; out[#out + 1] = c[2]; out[#out + 1] = c[4]
  end
end

local usage = {}
for _, u in ipairs(arg.attendees) do
  usage[#usage + 1] = u[1]; usage[#usage + 1] = u[2]
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[4], ARGV[2]) end
if full then
  redis.call('DEL', KEYS[3])
  if #usage > 0 then redis.call('HSET', KEYS[3], unpack(usage)) end
  local removed = 0
  for i = 1, #tenants do
    local index = indexes[i]
    for _, mid in ipairs(redis.call('HKEYS', index)) do
      local owner = owners[i] .. mid
      local r = redis.call('HMGET', fam.route .. owner, 's', 't')
      if not r[1] then
        redis.call('HDEL', index, mid)
        removed = removed + 1
      elseif (answered[r[1]] and not seen[owner .. '\\n' .. r[1]] and (tonumber(r[2]) or 0) < nowMs - grace)
        or redis.call('SISMEMBER', serversKey, r[1]) == 0 then
        forgetFound(fam, owners[i], index, mid, vbKey)
        removed = removed + 1
      end
    end
  end
  local vbs = redis.call('HGETALL', vbKey)
  for j = 1, #vbs, 2 do
    if redis.call('HGET', fam.route .. vbs[j + 1], 'v') ~= vbs[j] then redis.call('HDEL', vbKey, vbs[j]) end
  end
  out[1] = removed
  local cycle = arg.cycle
  redis.call('SET', KEYS[5], now)
  redis.call('HSET', KEYS[6], 'at', now, 'ms', cycle.ms, 'servers', cycle.polled, 'failed', cycle.failed)
  redis.call('HINCRBY', KEYS[6], 'cycles', 1)
  redis.call('HINCRBY', KEYS[6], 'failures', tonumber(cycle.failed))
end
return out
`);
