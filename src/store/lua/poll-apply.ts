import { FORGET_ROUTE_FN } from './forget-route.js';

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
 * ARGV: ns, now ms, route ttl s, full '1'|'0', healthy, unhealthy and panic thresholds, grace ms,
 *   nServers, then per server 20 fields: id, state, tag ('' untagged), multiplier, url, secret,
 *     pending secret ('' = none), proxy basename ('' = default), polled '1'|'0', answered '1'|'0', load, meetings, users, largest meeting, videos, last error,
 *     bbb version ('' = unchanged), capacity in users, meetings and video streams ('' = unknown),
 *   nTags, tags (every tag in use, 'none' included),
 *   nTenants, tenants,
 *   nSnapshots, then per snapshot: tenant, server id, JSON ('' = drop),
 *   nMeetings, then per meeting found on a node: tenant, meetingID, server id, voice bridge, moderator pw,
 *   cycle stats (full cycles): ms, servers polled, servers that failed,
 *   nTenantUsage, then per tenant: tenant, attendees on the pool,
 *   the tenant mirror (src/store/tenant-mirror.ts; '' = left as it is).
 * Returns {removed routes and index entries, number of auto-panicked meetings, then per auto-panicked
 *   meeting and then per stale copy: server, tenant, meetingID, pw}.
 */
export const POLL_APPLY = `${FORGET_ROUTE_FN}
local ns, now, ttl = ARGV[1], ARGV[2], ARGV[3]
local nowMs = tonumber(now)
local full = ARGV[4] == '1'
local healthy, unhealthy, panicAt = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local grace = tonumber(ARGV[8])
local i = 9
local function nextArg() local v = ARGV[i]; i = i + 1; return v end

local servers = {}
for _ = 1, tonumber(nextArg()) do
  local s = {}
  for _, f in ipairs({'id', 'state', 'tag', 'mult', 'url', 'secret', 'next', 'basename', 'polled', 'online', 'load', 'meetings',
    'users', 'largest', 'videos', 'error', 'version', 'capu', 'capm', 'capv'}) do s[f] = nextArg() end
  servers[#servers + 1] = s
end
local tags = {}
for _ = 1, tonumber(nextArg()) do tags[#tags + 1] = nextArg() end
local tenants = {}
for _ = 1, tonumber(nextArg()) do tenants[#tenants + 1] = nextArg() end

local out = {0, 0}
local function panic(sid)
  for _, t in ipairs(tenants) do
    for _, mid in ipairs(redis.call('HKEYS', ns .. ':meetings:' .. t)) do
      if redis.call('HGET', ns .. ':route:' .. t .. ':' .. mid, 's') == sid then
        local cur = forgetRoute(ns, t, mid)
        out[#out + 1] = sid; out[#out + 1] = t; out[#out + 1] = mid; out[#out + 1] = cur[3] or ''
        out[2] = out[2] + 1
      end
    end
  end
end

local known, answered = {}, {}
for _, s in ipairs(servers) do
  known[s.id] = true
  local key = ns .. ':server:' .. s.id
  redis.call('SADD', ns .. ':servers', s.id)
  -- Back from disabled (not polled), it may have been upgraded: the next poll reads its version again.
  if redis.call('HGET', key, 'state') == 'disabled' and s.state ~= 'disabled' then redis.call('HDEL', key, 'versionAt') end
  redis.call('HSET', key, 'state', s.state, 'tag', s.tag, 'mult', s.mult, 'url', s.url, 'secret', s.secret,
    'next', s.next, 'basename', s.basename, 'capu', s.capu, 'capm', s.capm, 'capv', s.capv)
  if s.polled == '1' then
    local was = redis.call('HGET', key, 'online')
    local online = was == '1' and '1' or '0'
    if s.online == '1' then
      answered[s.id] = true
      -- rm/ru: meetings and users reserved by placements since this poll (lua/place.ts, admission control).
      redis.call('HSET', key, 'uc', 0, 'fails', 0, 'load', s.load, 'meetings', s.meetings, 'users', s.users,
        'largest', s.largest, 'videos', s.videos, 'rm', 0, 'ru', 0)
      redis.call('HDEL', key, 'panicked')
      local suspect = tonumber(redis.call('HGET', key, 'suspect'))
      if suspect and suspect < nowMs then redis.call('HDEL', key, 'suspect', 'suspectCause') end
      -- This cycle's snapshots replace the last ones, for tenants that no longer have meetings there too.
      for _, t in ipairs(tenants) do redis.call('HDEL', ns .. ':snapshot:' .. t, s.id) end
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
        redis.call('HINCRBY', ns .. ':metrics', 'scaleflare_server_panics_total{server="' .. s.id .. '",cause="auto"}', 1)
      end
    end
    if online == '0' and was == '1' then
      for _, t in ipairs(tenants) do redis.call('HDEL', ns .. ':snapshot:' .. t, s.id) end
      redis.call('HSET', key, 'load', 0, 'meetings', 0, 'users', 0, 'largest', 0, 'videos', 0)
    end
    redis.call('HSET', key, 'online', online, 'polled', now, 'error', s.error)
    -- When the outage began (the poll it went offline, or the first poll of a server never online).
    if online == '1' then redis.call('HDEL', key, 'offline')
    elseif not redis.call('HGET', key, 'offline') then redis.call('HSET', key, 'offline', now) end
  end
  local own = s.tag ~= '' and s.tag or 'none'
  for _, t in ipairs(tags) do
    if t ~= own then redis.call('ZREM', ns .. ':load:' .. t, s.id) end
  end
  if s.state == 'enabled' and redis.call('HGET', key, 'online') == '1' and not redis.call('HGET', key, 'suspect') then
    redis.call('ZADD', ns .. ':load:' .. own, redis.call('HGET', key, 'load') or '0', s.id)
  else
    redis.call('ZREM', ns .. ':load:' .. own, s.id)
  end
end
-- Servers deleted from the configuration leave the mirror.
for _, id in ipairs(full and redis.call('SMEMBERS', ns .. ':servers') or {}) do
  if not known[id] then
    redis.call('DEL', ns .. ':server:' .. id)
    redis.call('SREM', ns .. ':servers', id)
    for _, t in ipairs(tags) do redis.call('ZREM', ns .. ':load:' .. t, id) end
  end
end

for _ = 1, tonumber(nextArg()) do
  local tenant, id, json = nextArg(), nextArg(), nextArg()
  if json == '' then redis.call('HDEL', ns .. ':snapshot:' .. tenant, id)
  else redis.call('HSET', ns .. ':snapshot:' .. tenant, id, json) end
end

local vbKey = ns .. ':vb'
local seen, elsewhere = {}, {}
for _ = 1, tonumber(nextArg()) do
  local tenant, mid, sid, vb, pw = nextArg(), nextArg(), nextArg(), nextArg(), nextArg()
  local owner = tenant .. ':' .. mid
  seen[owner .. '\\n' .. sid] = true
  local route = ns .. ':route:' .. owner
  local cur = redis.call('HMGET', route, 's', 'v')
  local keep = cur[1] == sid
  if cur[1] and cur[1] ~= sid then
    -- Another live server already owns this meeting ID: leave its route alone.
    local st = redis.call('HMGET', ns .. ':server:' .. cur[1], 'online', 'state')
    keep = st[1] == '1' and st[2] ~= 'disabled'
    if keep then elsewhere[#elsewhere + 1] = {tenant, mid, sid, pw, cur[1]} end
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
  redis.call('HSETNX', ns .. ':meetings:' .. tenant, mid, '{}')
end

for _, c in ipairs(elsewhere) do
  if seen[c[1] .. ':' .. c[2] .. '\\n' .. c[5]] then
    out[#out + 1] = c[3]; out[#out + 1] = c[1]; out[#out + 1] = c[2]; out[#out + 1] = c[4]
  end
end

local ms, polled, failed = nextArg(), nextArg(), nextArg()
local usage = {}
for _ = 1, tonumber(nextArg()) do
  usage[#usage + 1] = nextArg(); usage[#usage + 1] = nextArg()
end
local tenantMirror = nextArg()
if tenantMirror ~= '' then redis.call('SET', ns .. ':tenants', tenantMirror) end
if full then
  redis.call('DEL', ns .. ':usage:attendees')
  if #usage > 0 then redis.call('HSET', ns .. ':usage:attendees', unpack(usage)) end
  local removed = 0
  for _, t in ipairs(tenants) do
    local index = ns .. ':meetings:' .. t
    for _, mid in ipairs(redis.call('HKEYS', index)) do
      local r = redis.call('HMGET', ns .. ':route:' .. t .. ':' .. mid, 's', 't')
      if not r[1] then
        redis.call('HDEL', index, mid)
        removed = removed + 1
      elseif (answered[r[1]] and not seen[t .. ':' .. mid .. '\\n' .. r[1]] and (tonumber(r[2]) or 0) < nowMs - grace)
        or redis.call('SISMEMBER', ns .. ':servers', r[1]) == 0 then
        forgetRoute(ns, t, mid)
        removed = removed + 1
      end
    end
  end
  local vbs = redis.call('HGETALL', vbKey)
  for j = 1, #vbs, 2 do
    if redis.call('HGET', ns .. ':route:' .. vbs[j + 1], 'v') ~= vbs[j] then redis.call('HDEL', vbKey, vbs[j]) end
  end
  out[1] = removed
  redis.call('SET', ns .. ':poll:last', now)
  redis.call('HSET', ns .. ':poll:stats', 'at', now, 'ms', ms, 'servers', polled, 'failed', failed)
  redis.call('HINCRBY', ns .. ':poll:stats', 'cycles', 1)
  redis.call('HINCRBY', ns .. ':poll:stats', 'failures', tonumber(failed))
end
return out
`;
