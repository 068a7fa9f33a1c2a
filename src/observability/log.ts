import { currentRequest } from './request-context.js';

/**
 * Lowest first. `notice` is what an operator must not miss although nothing failed: the events
 * that name a change (a server going offline, an admin change, a callback given up), so
 * LOG_LEVEL=notice drops the per-request `info` lines and keeps every event and warning.
 */
export const LEVELS = ['info', 'notice', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

// Module state: the isolate's configuration sets it once (src/services.ts), as it is the same for every request.
let threshold = 0;

export function setLogLevel(level: Level): void {
  threshold = LEVELS.indexOf(level);
}

// Workers' clock moves only between I/O, so the lines of a burst share their millisecond: formatted once.
let lastMs = NaN;
let lastIso = '';

function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * One structured JSON line, with the running request's id (null outside one: a test calling in). Callers pass only safe fields: no
 * query strings, checksums, secrets or passwords (errors go through describeError first).
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (LEVELS.indexOf(level) < threshold) return;
  const line = JSON.stringify({ time: isoNow(), level, msg, requestId: currentRequest()?.id ?? null, ...fields });
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
