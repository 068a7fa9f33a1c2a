import { ARG, Script } from './script.js';

/**
 * KEYS: route, the tenant's meeting index, the two shared answers (info, running), the voice
 * bridge hash, the attendee usage hash, then the load zset of each tag asked (in order) and,
 * last, the untagged one.
 */
export interface PlaceArg {
  meetingID: string;
  tenant: string;
  /** meetingOwner(tenant, meetingID). */
  owner: string;
  /** ms and s, written as is. */
  now: string;
  ttl: string;
  /** Only the tags asked may take it (no fallback to the untagged servers). */
  required: boolean;
  /** Load before the server's multiplier. */
  reserve: number;
  /** Users the meeting is expected to bring (the servers' user capacity). */
  users: number;
  voiceBridges: string[];
  moderatorPW: string;
  /** The server whose route must be dropped ('' = none). */
  avoidServer: string;
  /** The meeting's entry in the tenant's index. */
  indexEntry: string;
  /** The tenant's limits (-1 = none). */
  maxMeetings: number;
  maxAttendees: number;
  /** Kept with a new route ('' = none; src/cluster/recovery.ts). */
  recovery: string;
  /** keys.families().server: the servers are named by the route and the load zsets. */
  server: string;
}

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
 * Returns {status, server, voiceBridge, moderatorPW, placedAt, serverState, lostFrom}; status is
 * existing | new | no_server | full (every eligible server at capacity) | tag_unavailable |
 * vb_exhausted | meetings_limit | attendees_limit. lostFrom names the server of a route dropped
 * because that server was gone, disabled, offline or suspect (not one dropped on request), else ''.
 */
export const PLACE = new Script<PlaceArg, string[]>(`${ARG}
local route, index, vbKey = KEYS[1], KEYS[2], KEYS[5]
local owner = arg.owner

local cur = redis.call('HMGET', route, 's', 'v', 'p', 't')
local lostFrom = ''
-- A create changes what getMeetingInfo and isMeetingRunning answer.
redis.call('DEL', KEYS[3], KEYS[4])
if cur[1] then
  local st = redis.call('HMGET', arg.server .. cur[1], 'state', 'online', 'suspect')
  if cur[1] ~= arg.avoidServer and st[2] == '1' and not st[3] and (st[1] == 'enabled' or st[1] == 'cordoned') then
    return {'existing', cur[1], cur[2] or '', cur[3] or '', cur[4] or '', st[1]}
  end
  -- Its server is gone, disabled, offline or suspect: place the meeting anew (Scalelite #202, #1161).
  if cur[1] ~= arg.avoidServer then lostFrom = cur[1] end
  redis.call('DEL', route)
  if cur[2] and redis.call('HGET', vbKey, cur[2]) == owner then redis.call('HDEL', vbKey, cur[2]) end
end

-- Soft limits, for new meetings only: meetings the tenant has now, attendees at the last poll.
if arg.maxMeetings >= 0 and redis.call('HLEN', index) >= arg.maxMeetings then return {'meetings_limit'} end
if arg.maxAttendees >= 0 and (tonumber(redis.call('HGET', KEYS[6], arg.tenant)) or 0) >= arg.maxAttendees then
  return {'attendees_limit'}
end

local users = arg.users
local function fits(sid)
  local h = redis.call('HMGET', arg.server .. sid, 'capm', 'capu', 'capv', 'meetings', 'users', 'videos', 'rm', 'ru')
  local n = function(v) return tonumber(v) or 0 end
  local capm, capu, capv = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
  return not (capm and n(h[4]) + n(h[7]) + 1 > capm) and not (capu and n(h[5]) + n(h[8]) + users > capu)
    and not (capv and n(h[6]) >= capv)
end

-- Candidates by load, lowest first, a page at a time; the first with room wins within its zset.
local best, bestScore, bestLoad, full
local function consider(load)
  local from = 0
  while true do
    local r = redis.call('ZRANGE', load, from, from + 15, 'WITHSCORES')
    if #r == 0 then return end
    for j = 1, #r, 2 do
      local score = tonumber(r[j + 1])
      if best and score >= bestScore then return end
      if fits(r[j]) then best, bestScore, bestLoad = r[j], score, load return end
      full = true
    end
    from = from + 16
  end
end
if #KEYS > 7 then
  for j = 7, #KEYS - 1 do consider(KEYS[j]) end
  if not best then
    if arg.required then return {full and 'full' or 'tag_unavailable'} end
    consider(KEYS[#KEYS])
  end
else
  consider(KEYS[#KEYS])
end
if not best then return {full and 'full' or 'no_server'} end

local vb
for _, pin in ipairs(arg.voiceBridges) do
  if redis.call('HSETNX', vbKey, pin, owner) == 1 or redis.call('HGET', vbKey, pin) == owner then vb = pin break end
end
if not vb then return {'vb_exhausted'} end

local serverKey = arg.server .. best
local mult = tonumber(redis.call('HGET', serverKey, 'mult') or '1') or 1
redis.call('ZINCRBY', bestLoad, arg.reserve * mult, best)
redis.call('HINCRBY', serverKey, 'rm', 1)
redis.call('HINCRBY', serverKey, 'ru', users)
redis.call('HSET', route, 's', best, 'v', vb, 'p', arg.moderatorPW, 't', arg.now)
if arg.recovery ~= '' then redis.call('HSET', route, 'c', arg.recovery) end
redis.call('EXPIRE', route, arg.ttl)
redis.call('HSET', index, arg.meetingID, arg.indexEntry)
return {'new', best, vb, arg.moderatorPW, arg.now, 'enabled', lostFrom}
`);
