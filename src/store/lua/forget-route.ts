/** Shared Lua: drop the shared node answers of one meeting (after create, join or end). */
export const FORGET_ANSWERS_FN = `
local function forgetAnswers(ns, tenant, mid)
  redis.call('DEL', ns .. ':answer:info:' .. tenant .. ':' .. mid, ns .. ':answer:running:' .. tenant .. ':' .. mid)
end
`;

/**
 * Shared Lua: drop one meeting's route, its entry in the tenant's meeting index, its shared
 * getMeetingInfo/isMeetingRunning answers and its voice bridge (only if the bridge is still this
 * meeting's). Returns the route's {server, bridge, pw}.
 */
export const FORGET_ROUTE_FN = `${FORGET_ANSWERS_FN}
local function forgetRoute(ns, tenant, mid)
  local route = ns .. ':route:' .. tenant .. ':' .. mid
  local cur = redis.call('HMGET', route, 's', 'v', 'p')
  redis.call('DEL', route)
  redis.call('HDEL', ns .. ':meetings:' .. tenant, mid)
  forgetAnswers(ns, tenant, mid)
  if cur[2] and redis.call('HGET', ns .. ':vb', cur[2]) == tenant .. ':' .. mid then redis.call('HDEL', ns .. ':vb', cur[2]) end
  return cur
end
`;
