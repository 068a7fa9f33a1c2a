import { FORGET_ROUTE_FN } from './forget-route.js';

/**
 * Panic: forget every meeting routed to one server, across the given tenants, and drop the
 * server's getMeetings snapshot, so new creates of those meetings go elsewhere at once.
 *
 * ARGV: ns, server id, tenant…
 * Returns a flat list: tenant, meetingID, moderatorPW, tenant, meetingID, …
 */
export const PANIC = `${FORGET_ROUTE_FN}
local ns, sid = ARGV[1], ARGV[2]
local out = {}
for i = 3, #ARGV do
  local tenant = ARGV[i]
  for _, mid in ipairs(redis.call('HKEYS', ns .. ':meetings:' .. tenant)) do
    if redis.call('HGET', ns .. ':route:' .. tenant .. ':' .. mid, 's') == sid then
      local cur = forgetRoute(ns, tenant, mid)
      out[#out + 1] = tenant; out[#out + 1] = mid; out[#out + 1] = cur[3] or ''
    end
  end
  redis.call('HDEL', ns .. ':snapshot:' .. tenant, sid)
end
return out
`;
