import { ConfigError } from '../config.js';
import { services, type Services } from '../services.js';
import { log } from './log.js';

/**
 * The Worker's services, or undefined (logged by setting name, never value) when the
 * configuration is invalid; `quiet` leaves the logging to the handler that answered the request.
 */
export function configured(env: object, o: { quiet?: boolean } = {}): Services | undefined {
  try {
    return services(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (!o.quiet) log('error', 'configuration invalid', { error: e.message });
    return undefined;
  }
}
