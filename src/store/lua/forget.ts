import { FORGET_ROUTE_FN } from './forget-route.js';

/**
 * Drops a meeting's route, index entry and voice bridge in one step, returning what the route
 * held so the caller can still reach the server (Scalelite deletes first, then calls end).
 *
 * ARGV: ns, tenant, meetingID, only-if-server ('' = any).
 * Returns nil when there was no route, else {server, voiceBridge, moderatorPW}.
 */
export const FORGET = `${FORGET_ROUTE_FN}
local ns, tenant, mid = ARGV[1], ARGV[2], ARGV[3]
local server = redis.call('HGET', ns .. ':route:' .. tenant .. ':' .. mid, 's')
if not server or (ARGV[4] ~= '' and server ~= ARGV[4]) then return nil end
local cur = forgetRoute(ns, tenant, mid)
return {cur[1], cur[2] or '', cur[3] or ''}
`;
