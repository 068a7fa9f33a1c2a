import { ARG, Script } from './script.js';

/** KEYS: route, the two shared answers (info, running). */
export interface LookupArg {
  mode: 'join' | 'info' | 'running' | '';
  /** keys.families().server and .load: the route's server and its load zset are named by what the route holds. */
  server: string;
  load: string;
}

/**
 * One round trip for join, isMeetingRunning and getMeetingInfo: the meeting's route, the health
 * of its server and, for the two polling calls, the node's answer shared for a few seconds. A
 * join also adds one user's load (times the server's multiplier), as Scalelite does, so joins
 * between polls are not invisible to placement, and drops the shared answers it made stale.
 *
 * A suspect server counts as not online. A join to a meeting whose server is not healthy also
 * gets the meeting's recovery record, so it can re-create the meeting elsewhere in the same call.
 *
 * Returns nil when there is no route, else {server, serverState, online '1'|'0'|'', placedAt, answer, recovery}.
 */
export const LOOKUP = new Script<LookupArg, string[] | null>(`${ARG}
local cur = redis.call('HMGET', KEYS[1], 's', 't')
if not cur[1] then return nil end
local st = redis.call('HMGET', arg.server .. cur[1], 'state', 'online', 'tag', 'mult', 'suspect')
local online = st[5] and '0' or (st[2] or '')
local answer, recovery = false, false
if arg.mode == 'join' then
  if st[1] == 'enabled' and online == '1' then
    local tag = (st[3] and st[3] ~= '') and st[3] or 'none'
    redis.call('ZADD', arg.load .. tag, 'XX', 'INCR', tonumber(st[4] or '1') or 1, cur[1])
  end
  if online ~= '1' and st[1] ~= 'disabled' then
    recovery = redis.call('HGET', KEYS[1], 'c')
  end
  redis.call('DEL', KEYS[2], KEYS[3])
elseif arg.mode == 'info' then
  answer = redis.call('GET', KEYS[2])
elseif arg.mode == 'running' then
  answer = redis.call('GET', KEYS[3])
end
return {cur[1], st[1] or '', online, cur[2] or '', answer or '', recovery or ''}
`);
