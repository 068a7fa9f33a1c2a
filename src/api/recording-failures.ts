import { errors } from '../bbb/errors.js';
import { describeError } from '../observability/log.js';

/** Storage failures of publish and delete as Scalelite words them, the cause logged (safely). */
export function failAs(message: string): (e: unknown) => never {
  return (e) => {
    console.error(`${message} ${describeError(e)}`);
    throw errors.internalError(message);
  };
}
