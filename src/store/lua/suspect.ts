/**
 * A node call failed definitively, so the server is suspect for every isolate: it leaves the
 * placement zset at once (no new meetings), and lookups see it as unhealthy until a poll that
 * began after the failure gets an answer from it (poll-apply clears the mark).
 *
 * ARGV: ns, server id, now ms, cause (what failed, for operators). Returns 1 when the server was
 * not suspect before, else 0.
 */
export const SUSPECT = `
local ns, sid, now, cause = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = ns .. ':server:' .. sid
if redis.call('EXISTS', key) == 0 then return 0 end
local was = redis.call('HGET', key, 'suspect')
redis.call('HSET', key, 'suspect', now, 'suspectCause', cause)
local tag = redis.call('HGET', key, 'tag')
redis.call('ZREM', ns .. ':load:' .. ((tag and tag ~= '') and tag or 'none'), sid)
return was and 0 or 1
`;
