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

/**
 * An error as it may be logged: name and message only, without what a storage client appends
 * (Upstash adds the command and its arguments, which can carry meeting passwords) and without
 * URL query strings (which carry checksums).
 */
export function describeError(e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const message = err.message
    .replace(/,? command was:[\s\S]*$/i, '')
    .replace(/(https?:\/\/[^\s?"']*)\?[^\s"']*/g, '$1?…');
  return `${err.name}: ${message}`;
}
