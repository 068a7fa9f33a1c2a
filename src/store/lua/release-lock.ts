import { ARG, Script } from './script.js';

/** KEYS: the lock. Deletes it only while it still holds this token (the run that took it). */
export const RELEASE_LOCK = new Script<{ token: string }, number>(`${ARG}
if redis.call('GET', KEYS[1]) == arg.token then return redis.call('DEL', KEYS[1]) end
return 0
`);
