import type { z } from 'zod';
import { HttpError, type HttpErrorCode } from '../http/error.js';
import type { Services } from '../services.js';

/**
 * A refusal in Scalelite's words: `{"error": message}`, or `{"message": message}` where Scalelite
 * answers so (the field rides as the HttpError's key), with the code's status.
 */
export function refuse(code: HttpErrorCode, message: string, field: 'error' | 'message' = 'error'): HttpError {
  return new HttpError(code, message, { key: field });
}

/** A JSON answer of Scalelite's admin API. */
export class AdminResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export interface AdminInput<B> {
  query: URLSearchParams;
  body: B;
  env: object;
}

export type AdminHandler<B = Record<string, unknown>> = (svc: Services, input: AdminInput<B>) => Promise<AdminResponse>;

/**
 * One call of Scalelite's admin API. `body` is the JSON body's strict schema (POST calls): a
 * wrong type or an unknown field is refused with the field named, before the handler runs.
 */
export interface AdminRoute {
  method: 'GET' | 'POST';
  body?: z.ZodType;
  /** Tenant calls: 412 while multitenancy is off, before anything else is looked at (as Scalelite). */
  tenants?: true;
  handler: AdminHandler<unknown>;
}

/** Type-checks a handler against its body schema, then keeps it in the untyped table the dispatcher walks. */
export function adminRoute<B extends z.ZodType = z.ZodObject>(r: {
  method: 'GET' | 'POST';
  body?: B;
  tenants?: true;
  handler: AdminHandler<z.output<B>>;
}): AdminRoute {
  return r as AdminRoute;
}
