import { FORGET_ANSWERS_FN } from './forget-route.js';

/**
 * Atomic placement, one round trip: keep a live meeting's route, or pick the eligible server with
 * the lowest load for the tags asked, reserve the new meeting's load on it at once (so a burst of
 * creates spreads), claim a pool-wide unique voice bridge and write the route.
 *
 * ARGV: ns, tenant, meetingID, now ms, ttl s, tags (';'-joined, '' = untagged only),
 *       required '1'|'0', reserve (load before the server's multiplier), voice bridge candidates
 *       (','-joined), moderator password, server id whose route must be dropped ('' = none),
 *       JSON for the tenant's meeting index, the tenant's meeting and attendee limits (-1 = none),
 *       the meeting's recovery record ('' = none; kept with a new route, see src/cluster/recovery.ts).
 * Returns {status, server, voiceBridge, moderatorPW, placedAt, serverState}; status is
 * existing | new | no_server | tag_unavailable | vb_exhausted | meetings_limit | attendees_limit.
 */
export const PLACE = `${FORGET_ANSWERS_FN}
local ns, tenant, mid = ARGV[1], ARGV[2], ARGV[3]
local route = ns .. ':route:' .. tenant .. ':' .. mid
local owner = tenant .. ':' .. mid
local vbKey = ns .. ':vb'

local cur = redis.call('HMGET', route, 's', 'v', 'p', 't')
-- A create changes what getMeetingInfo and isMeetingRunning answer.
forgetAnswers(ns, tenant, mid)
if cur[1] then
  local st = redis.call('HMGET', ns .. ':server:' .. cur[1], 'state', 'online', 'suspect')
  if cur[1] ~= ARGV[11] and st[2] == '1' and not st[3] and (st[1] == 'enabled' or st[1] == 'cordoned') then
    return {'existing', cur[1], cur[2] or '', cur[3] or '', cur[4] or '', st[1]}
  end
  -- Its server is gone, disabled, offline or suspect: place the meeting anew (Scalelite #202, #1161).
  redis.call('DEL', route)
  if cur[2] and redis.call('HGET', vbKey, cur[2]) == owner then redis.call('HDEL', vbKey, cur[2]) end
end

-- Soft limits, for new meetings only: meetings the tenant has now, attendees at the last poll.
local maxMeetings, maxAttendees = tonumber(ARGV[13]) or -1, tonumber(ARGV[14]) or -1
if maxMeetings >= 0 and redis.call('HLEN', ns .. ':meetings:' .. tenant) >= maxMeetings then return {'meetings_limit'} end
if maxAttendees >= 0 and (tonumber(redis.call('HGET', ns .. ':usage:attendees', tenant)) or 0) >= maxAttendees then
  return {'attendees_limit'}
end

local best, bestScore, bestTag
local function consider(tag)
  local r = redis.call('ZRANGE', ns .. ':load:' .. tag, 0, 0, 'WITHSCORES')
  if r[1] and (not best or tonumber(r[2]) < bestScore) then best, bestScore, bestTag = r[1], tonumber(r[2]), tag end
end
if ARGV[6] ~= '' then
  for tag in string.gmatch(ARGV[6], '[^;]+') do consider(tag) end
  if not best then
    if ARGV[7] == '1' then return {'tag_unavailable'} end
    consider('none')
  end
else
  consider('none')
end
if not best then return {'no_server'} end

local vb
for pin in string.gmatch(ARGV[9], '[^,]+') do
  if redis.call('HSETNX', vbKey, pin, owner) == 1 or redis.call('HGET', vbKey, pin) == owner then vb = pin break end
end
if not vb then return {'vb_exhausted'} end

local mult = tonumber(redis.call('HGET', ns .. ':server:' .. best, 'mult') or '1') or 1
redis.call('ZINCRBY', ns .. ':load:' .. bestTag, tonumber(ARGV[8]) * mult, best)
redis.call('HSET', route, 's', best, 'v', vb, 'p', ARGV[10], 't', ARGV[4])
if ARGV[15] ~= '' then redis.call('HSET', route, 'c', ARGV[15]) end
redis.call('EXPIRE', route, ARGV[5])
redis.call('HSET', ns .. ':meetings:' .. tenant, mid, ARGV[12])
return {'new', best, vb, ARGV[10], ARGV[4], 'enabled'}
`;
