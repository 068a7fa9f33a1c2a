import { FORGET_ANSWERS_FN } from './forget-route.js';

/**
 * Atomic placement, one round trip: keep a live meeting's route, or pick the eligible server with
 * the lowest load for the tags asked that has room under its capacity, reserve the new meeting's
 * load on it at once (so a burst of creates spreads), claim a pool-wide unique voice bridge and
 * write the route.
 *
 * Admission control: a server with a known capacity (servers.capacity_*, mirrored by the poll)
 * takes the meeting only if its meetings + 1, its users + the meeting's expected users, and its
 * video streams + 0 fit; counts are the last poll's plus what placements reserved since (rm, ru).
 *
 * ARGV: ns, tenant, meetingID, now ms, ttl s, tags (';'-joined, '' = untagged only),
 *       required '1'|'0', reserve (load before the server's multiplier), voice bridge candidates
 *       (','-joined), moderator password, server id whose route must be dropped ('' = none),
 *       JSON for the tenant's meeting index, the tenant's meeting and attendee limits (-1 = none),
 *       the meeting's recovery record ('' = none; kept with a new route, see src/cluster/recovery.ts),
 *       the meeting's expected users (for the servers' user capacity).
 * Returns {status, server, voiceBridge, moderatorPW, placedAt, serverState, lostFrom}; status is
 * existing | new | no_server | full (every eligible server at capacity) | tag_unavailable |
 * vb_exhausted | meetings_limit | attendees_limit. lostFrom names the server of a route dropped
 * because that server was gone, disabled, offline or suspect (not one dropped on request), else ''.
 */
export const PLACE = `${FORGET_ANSWERS_FN}
local ns, tenant, mid = ARGV[1], ARGV[2], ARGV[3]
local route = ns .. ':route:' .. tenant .. ':' .. mid
local owner = tenant .. ':' .. mid
local vbKey = ns .. ':vb'

local cur = redis.call('HMGET', route, 's', 'v', 'p', 't')
local lostFrom = ''
-- A create changes what getMeetingInfo and isMeetingRunning answer.
forgetAnswers(ns, tenant, mid)
if cur[1] then
  local st = redis.call('HMGET', ns .. ':server:' .. cur[1], 'state', 'online', 'suspect')
  if cur[1] ~= ARGV[11] and st[2] == '1' and not st[3] and (st[1] == 'enabled' or st[1] == 'cordoned') then
    return {'existing', cur[1], cur[2] or '', cur[3] or '', cur[4] or '', st[1]}
  end
  -- Its server is gone, disabled, offline or suspect: place the meeting anew (Scalelite #202, #1161).
  if cur[1] ~= ARGV[11] then lostFrom = cur[1] end
  redis.call('DEL', route)
  if cur[2] and redis.call('HGET', vbKey, cur[2]) == owner then redis.call('HDEL', vbKey, cur[2]) end
end

-- Soft limits, for new meetings only: meetings the tenant has now, attendees at the last poll.
local maxMeetings, maxAttendees = tonumber(ARGV[13]) or -1, tonumber(ARGV[14]) or -1
if maxMeetings >= 0 and redis.call('HLEN', ns .. ':meetings:' .. tenant) >= maxMeetings then return {'meetings_limit'} end
if maxAttendees >= 0 and (tonumber(redis.call('HGET', ns .. ':usage:attendees', tenant)) or 0) >= maxAttendees then
  return {'attendees_limit'}
end

local users = tonumber(ARGV[16]) or 0
local function fits(sid)
  local h = redis.call('HMGET', ns .. ':server:' .. sid, 'capm', 'capu', 'capv', 'meetings', 'users', 'videos', 'rm', 'ru')
  local n = function(v) return tonumber(v) or 0 end
  local capm, capu, capv = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
  return not (capm and n(h[4]) + n(h[7]) + 1 > capm) and not (capu and n(h[5]) + n(h[8]) + users > capu)
    and not (capv and n(h[6]) >= capv)
end

-- Candidates by load, lowest first, a page at a time; the first with room wins within its tag.
local best, bestScore, bestTag, full
local function consider(tag)
  local from = 0
  while true do
    local r = redis.call('ZRANGE', ns .. ':load:' .. tag, from, from + 15, 'WITHSCORES')
    if #r == 0 then return end
    for j = 1, #r, 2 do
      local score = tonumber(r[j + 1])
      if best and score >= bestScore then return end
      if fits(r[j]) then best, bestScore, bestTag = r[j], score, tag return end
      full = true
    end
    from = from + 16
  end
end
if ARGV[6] ~= '' then
  for tag in string.gmatch(ARGV[6], '[^;]+') do consider(tag) end
  if not best then
    if ARGV[7] == '1' then return {full and 'full' or 'tag_unavailable'} end
    consider('none')
  end
else
  consider('none')
end
if not best then return {full and 'full' or 'no_server'} end

local vb
for pin in string.gmatch(ARGV[9], '[^,]+') do
  if redis.call('HSETNX', vbKey, pin, owner) == 1 or redis.call('HGET', vbKey, pin) == owner then vb = pin break end
end
if not vb then return {'vb_exhausted'} end

local mult = tonumber(redis.call('HGET', ns .. ':server:' .. best, 'mult') or '1') or 1
redis.call('ZINCRBY', ns .. ':load:' .. bestTag, tonumber(ARGV[8]) * mult, best)
redis.call('HINCRBY', ns .. ':server:' .. best, 'rm', 1)
redis.call('HINCRBY', ns .. ':server:' .. best, 'ru', users)
redis.call('HSET', route, 's', best, 'v', vb, 'p', ARGV[10], 't', ARGV[4])
if ARGV[15] ~= '' then redis.call('HSET', route, 'c', ARGV[15]) end
redis.call('EXPIRE', route, ARGV[5])
redis.call('HSET', ns .. ':meetings:' .. tenant, mid, ARGV[12])
return {'new', best, vb, ARGV[10], ARGV[4], 'enabled', lostFrom}
`;
