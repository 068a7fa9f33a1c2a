import { FORGET_ROUTE_FN } from './forget-route.js';
import { ARG, Script } from './script.js';

/** KEYS: route, the tenant's meeting index, the two shared answers (info, running), the voice bridge hash. */
export interface ForgetArg {
  meetingID: string;
  /** meetingOwner(tenant, meetingID). */
  owner: string;
  /** Only if the route still points at this server ('' = any). */
  onlyServer: string;
}

/**
 * Drops a meeting's route, index entry and voice bridge in one step, returning what the route
 * held so the caller can still reach the server (Scalelite deletes first, then calls end).
 * Returns nil when there was no route, else {server, voiceBridge, moderatorPW}.
 */
export const FORGET = new Script<ForgetArg, string[] | null>(`${ARG}${FORGET_ROUTE_FN}
local server = redis.call('HGET', KEYS[1], 's')
if not server or (arg.onlyServer ~= '' and server ~= arg.onlyServer) then return nil end
local cur = forgetRoute(KEYS[1], KEYS[2], arg.meetingID, arg.owner, KEYS[3], KEYS[4], KEYS[5])
return {cur[1], cur[2] or '', cur[3] or ''}
`);
