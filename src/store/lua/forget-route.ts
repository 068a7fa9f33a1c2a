/**
 * Shared Lua: drop one meeting's route, its entry in the tenant's meeting index, its shared
 * getMeetingInfo/isMeetingRunning answers and its voice bridge (only if the bridge is still this
 * meeting's: `owner`, see keys.ts). Returns the route's {server, bridge, pw}.
 */
export const FORGET_ROUTE_FN = `
local function forgetRoute(route, index, mid, owner, info, running, vbKey)
  local cur = redis.call('HMGET', route, 's', 'v', 'p')
  redis.call('DEL', route)
  redis.call('HDEL', index, mid)
  redis.call('DEL', info, running)
  if cur[2] and redis.call('HGET', vbKey, cur[2]) == owner then redis.call('HDEL', vbKey, cur[2]) end
  return cur
end
`;

/**
 * Shared Lua: forgetRoute for a meeting the script found in a tenant's index, its keys named from
 * the families (keys.ts) and the tenant's owner prefix.
 */
export const FORGET_FOUND_FN = `${FORGET_ROUTE_FN}
local function forgetFound(fam, ownerPrefix, index, mid, vbKey)
  local owner = ownerPrefix .. mid
  return forgetRoute(fam.route .. owner, index, mid, owner, fam.info .. owner, fam.running .. owner, vbKey)
end
`;
