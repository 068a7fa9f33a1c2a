import { currentRequest } from './request-context.js';

export type Level = 'info' | 'warn' | 'error';

/**
 * One structured JSON line, with the running request's id. Callers pass only safe fields: no
 * query strings, checksums, secrets or passwords (errors go through describeError first).
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, requestId: currentRequest()?.id, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
