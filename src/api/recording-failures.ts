import { errors } from '../bbb/errors.js';
import { describeError, log } from '../observability/log.js';

/** Storage failures of publish and delete as Scalelite words them, the cause logged (safely). */
export function failAs(message: string): (e: unknown) => never {
  return (e) => {
    log('error', message, { error: describeError(e) });
    throw errors.internalError(message);
  };
}
