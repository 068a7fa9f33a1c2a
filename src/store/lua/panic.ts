import { FORGET_FOUND_FN } from './forget-route.js';
import { ARG, Script } from './script.js';
import type { KeyFamilies } from '../keys.js';

/** KEYS: the voice bridge hash, then per tenant its meeting index and its snapshot hash. */
export interface PanicArg {
  server: string;
  tenants: string[];
  /** meetingOwner(tenant, '') per tenant. */
  owners: string[];
  /** The routes and answers of the meetings found in the indexes. */
  families: KeyFamilies;
}

/**
 * Panic: forget every meeting routed to one server, across the given tenants, and drop the
 * server's getMeetings snapshot, so new creates of those meetings go elsewhere at once.
 *
 * Returns a flat list: tenant, meetingID, moderatorPW, tenant, meetingID, …
 */
export const PANIC = new Script<PanicArg, string[]>(`${ARG}${FORGET_FOUND_FN}
local fam, sid = arg.families, arg.server
local out = {}
for i, tenant in ipairs(arg.tenants) do
  local index, snapshot = KEYS[2 * i], KEYS[2 * i + 1]
  for _, mid in ipairs(redis.call('HKEYS', index)) do
    if redis.call('HGET', fam.route .. arg.owners[i] .. mid, 's') == sid then
      local cur = forgetFound(fam, arg.owners[i], index, mid, KEYS[1])
      out[#out + 1] = tenant; out[#out + 1] = mid; out[#out + 1] = cur[3] or ''
    end
  end
  redis.call('HDEL', snapshot, sid)
end
return out
`);
