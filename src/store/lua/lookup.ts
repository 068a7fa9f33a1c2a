/**
 * One round trip for join, isMeetingRunning and getMeetingInfo: the meeting's route and the
 * health of its server. A join also adds one user's load (times the server's multiplier), as
 * Scalelite does, so joins between polls are not invisible to placement.
 *
 * ARGV: ns, tenant, meetingID, '1' to count a join.
 * Returns nil when there is no route, else {server, serverState, online '1'|'0'|'', placedAt}.
 */
export const LOOKUP = `
local ns = ARGV[1]
local cur = redis.call('HMGET', ns .. ':route:' .. ARGV[2] .. ':' .. ARGV[3], 's', 't')
if not cur[1] then return nil end
local st = redis.call('HMGET', ns .. ':server:' .. cur[1], 'state', 'online', 'tag', 'mult')
if ARGV[4] == '1' and st[1] == 'enabled' and st[2] == '1' then
  local tag = (st[3] and st[3] ~= '') and st[3] or 'none'
  redis.call('ZADD', ns .. ':load:' .. tag, 'XX', 'INCR', tonumber(st[4] or '1') or 1, cur[1])
end
return {cur[1], st[1] or '', st[2] or '', cur[2] or ''}
`;
