/**
 * Writes one poll cycle in one round trip, atomically: the server mirror (config, health, stats),
 * the placement zsets, per-server meeting snapshots for getMeetings, and routes for the meetings
 * the nodes reported, so routing is rebuilt from the nodes after Redis lost it.
 *
 * A polled server comes online after SERVER_HEALTHY_THRESHOLD good polls in a row and goes
 * offline after SERVER_UNHEALTHY_THRESHOLD failed ones (a server never seen online is offline at
 * once); going offline takes its meetings out of getMeetings.
 *
 * ARGV: ns, now ms, route ttl s, full '1'|'0' (a full cycle also prunes servers it was not given),
 *   healthy threshold, unhealthy threshold,
 *   nServers, then per server 12 fields: id, state, tag ('' untagged), multiplier, polled '1'|'0',
 *     answered '1'|'0', load, meetings, users, largest meeting, videos, last error,
 *   nTags, tags (every tag in use, 'none' included),
 *   nTenants, tenants,
 *   nSnapshots, then per snapshot: tenant, server id, JSON ('' = drop),
 *   nMeetings, then per meeting found on a node: tenant, meetingID, server id.
 */
export const POLL_APPLY = `
local ns, now, ttl = ARGV[1], ARGV[2], ARGV[3]
local full = ARGV[4] == '1'
local healthy, unhealthy = tonumber(ARGV[5]), tonumber(ARGV[6])
local i = 7
local function nextArg() local v = ARGV[i]; i = i + 1; return v end

local n = tonumber(nextArg())
local servers = {}
for _ = 1, n do
  local s = {}
  for _, f in ipairs({'id', 'state', 'tag', 'mult', 'polled', 'online', 'load', 'meetings', 'users', 'largest', 'videos', 'error'}) do s[f] = nextArg() end
  servers[#servers + 1] = s
end
local tags = {}
for _ = 1, tonumber(nextArg()) do tags[#tags + 1] = nextArg() end
local tenants = {}
for _ = 1, tonumber(nextArg()) do tenants[#tenants + 1] = nextArg() end

local known = {}
for _, s in ipairs(servers) do
  known[s.id] = true
  local key = ns .. ':server:' .. s.id
  redis.call('SADD', ns .. ':servers', s.id)
  redis.call('HSET', key, 'state', s.state, 'tag', s.tag, 'mult', s.mult)
  if s.polled == '1' then
    local was = redis.call('HGET', key, 'online')
    local online = was
    if s.online == '1' then
      redis.call('HSET', key, 'uc', 0)
      if was ~= '1' and redis.call('HINCRBY', key, 'hc', 1) >= healthy then online = '1' end
      if online ~= '1' then online = '0' end
      redis.call('HSET', key, 'load', s.load, 'meetings', s.meetings, 'users', s.users,
        'largest', s.largest, 'videos', s.videos)
    else
      redis.call('HSET', key, 'hc', 0)
      if was ~= '1' or redis.call('HINCRBY', key, 'uc', 1) >= unhealthy then online = '0' end
    end
    if online == '0' and was == '1' then
      for _, t in ipairs(tenants) do redis.call('HDEL', ns .. ':snapshot:' .. t, s.id) end
    end
    if online == '1' and was ~= '1' then redis.call('HSET', key, 'hc', 0) end
    redis.call('HSET', key, 'online', online, 'polled', now, 'error', s.error)
  end
  local own = s.tag ~= '' and s.tag or 'none'
  for _, t in ipairs(tags) do
    if t ~= own then redis.call('ZREM', ns .. ':load:' .. t, s.id) end
  end
  if s.state == 'enabled' and redis.call('HGET', key, 'online') == '1' then
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

for _ = 1, tonumber(nextArg()) do
  local tenant, mid, sid = nextArg(), nextArg(), nextArg()
  local route = ns .. ':route:' .. tenant .. ':' .. mid
  local cur = redis.call('HGET', route, 's')
  local keep = cur == sid
  if cur and cur ~= sid then
    -- Another live server already owns this meeting ID: leave its route alone.
    local st = redis.call('HMGET', ns .. ':server:' .. cur, 'online', 'state')
    keep = st[1] == '1' and st[2] ~= 'disabled'
  end
  if not keep then redis.call('HSET', route, 's', sid, 't', now) end
  -- A meeting the nodes still report keeps its route, however long it runs.
  redis.call('EXPIRE', route, ttl)
  redis.call('HSETNX', ns .. ':meetings:' .. tenant, mid, '{}')
end

if full then redis.call('SET', ns .. ':poll:last', now) end
return 'OK'
`;
