import { FORGET_ANSWERS_FN } from './forget-route.js';

/**
 * One round trip for join, isMeetingRunning and getMeetingInfo: the meeting's route, the health
 * of its server and, for the two polling calls, the node's answer shared for a few seconds. A
 * join also adds one user's load (times the server's multiplier), as Scalelite does, so joins
 * between polls are not invisible to placement, and drops the shared answers it made stale.
 *
 * A suspect server counts as not online. A join to a meeting whose server is not healthy also
 * gets the meeting's recovery record, so it can re-create the meeting elsewhere in the same call.
 *
 * ARGV: ns, tenant, meetingID, mode: 'join' | 'info' | 'running' | '' (route only).
 * Returns nil when there is no route, else {server, serverState, online '1'|'0'|'', placedAt, answer, recovery}.
 */
export const LOOKUP = `${FORGET_ANSWERS_FN}
local ns, tenant, mid, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local cur = redis.call('HMGET', ns .. ':route:' .. tenant .. ':' .. mid, 's', 't')
if not cur[1] then return nil end
local st = redis.call('HMGET', ns .. ':server:' .. cur[1], 'state', 'online', 'tag', 'mult', 'suspect')
local online = st[5] and '0' or (st[2] or '')
local answer, recovery = false, false
if mode == 'join' then
  if st[1] == 'enabled' and online == '1' then
    local tag = (st[3] and st[3] ~= '') and st[3] or 'none'
    redis.call('ZADD', ns .. ':load:' .. tag, 'XX', 'INCR', tonumber(st[4] or '1') or 1, cur[1])
  end
  if online ~= '1' and st[1] ~= 'disabled' then
    recovery = redis.call('HGET', ns .. ':route:' .. tenant .. ':' .. mid, 'c')
  end
  forgetAnswers(ns, tenant, mid)
elseif mode ~= '' then
  answer = redis.call('GET', ns .. ':answer:' .. mode .. ':' .. tenant .. ':' .. mid)
end
return {cur[1], st[1] or '', online, cur[2] or '', answer or '', recovery or ''}
`;
