import { ARG, Script } from './script.js';

/** KEYS: the server's hash. */
export interface SuspectArg {
  server: string;
  /** ms, written as is. */
  now: string;
  cause: string;
  /** keys.families().load: the zset is named by the server's tag as the mirror holds it. */
  load: string;
}

/**
 * A node call failed definitively, so the server is suspect for every isolate: it leaves the
 * placement zset at once (no new meetings), and lookups see it as unhealthy until a poll that
 * began after the failure gets an answer from it (poll-apply clears the mark).
 *
 * Returns 1 when the server was not suspect before, else 0.
 */
export const SUSPECT = new Script<SuspectArg, number>(`${ARG}
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local was = redis.call('HGET', key, 'suspect')
redis.call('HSET', key, 'suspect', arg.now, 'suspectCause', arg.cause)
local tag = redis.call('HGET', key, 'tag')
redis.call('ZREM', arg.load .. ((tag and tag ~= '') and tag or 'none'), arg.server)
return was and 0 or 1
`);
