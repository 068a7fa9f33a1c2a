import { AsyncLocalStorage } from 'node:async_hooks';
import { BbbError } from '../bbb/errors.js';
import { describeError } from './log.js';

/**
 * What one request is known by while it runs: its correlation id, and what the handlers learn
 * on the way (call, result, tenant, server) for its log line. Kept in AsyncLocalStorage so the
 * node client and the handlers can reach it without every signature carrying it.
 */
export interface RequestInfo {
  id: string;
  call?: string;
  /** The BBB result: 'SUCCESS' or the error's messageKey. */
  messageKey?: string;
  tenant?: string;
  /** The frontend's meetingID, when the call names one. */
  meetingID?: string;
  server?: string;
  /** An unexpected failure, as describeError writes it (no queries, no storage commands). */
  error?: string;
}

const storage = new AsyncLocalStorage<RequestInfo>();

/**
 * Letters, digits, '.', '_', '-', 8 to 128 of them: enough for UUIDs, CF-Ray ids and common
 * tracing ids, and nothing that could forge a log line or a header.
 */
const ACCEPTED_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** An upstream `X-Request-ID` when it is sane, else Cloudflare's `CF-Ray`, else a new UUID. */
export function requestIdFor(headers: Headers): string {
  for (const name of ['x-request-id', 'cf-ray']) {
    const v = headers.get(name);
    if (v && ACCEPTED_ID.test(v)) return v;
  }
  return crypto.randomUUID();
}

export function withRequest<T>(info: RequestInfo, run: () => T): T {
  return storage.run(info, run);
}

export function currentRequest(): RequestInfo | undefined {
  return storage.getStore();
}

/** Adds what a handler learned to the running request's log line; a no-op outside a request. */
export function annotate(fields: Omit<RequestInfo, 'id'>): void {
  const info = storage.getStore();
  if (info) Object.assign(info, fields);
}

/** A BBB API call starts out as SUCCESS; noteApiFailure replaces that with what was answered. */
export function noteApiCall(call: string): void {
  annotate({ call, messageKey: 'SUCCESS' });
}

export function noteApiFailure(e: unknown): void {
  annotate(e instanceof BbbError ? { messageKey: e.key } : { messageKey: 'internalError', error: describeError(e) });
}
