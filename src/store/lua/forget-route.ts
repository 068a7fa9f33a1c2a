/**
 * Shared Lua: drop one meeting's route, its entry in the tenant's meeting index and its voice
 * bridge (only if the bridge is still this meeting's). Returns the route's {server, bridge, pw}.
 */
export const FORGET_ROUTE_FN = `
local function forgetRoute(ns, tenant, mid)
  local route = ns .. ':route:' .. tenant .. ':' .. mid
  local cur = redis.call('HMGET', route, 's', 'v', 'p')
  redis.call('DEL', route)
  redis.call('HDEL', ns .. ':meetings:' .. tenant, mid)
  if cur[2] and redis.call('HGET', ns .. ':vb', cur[2]) == tenant .. ':' .. mid then redis.call('HDEL', ns .. ':vb', cur[2]) end
  return cur
end
`;
