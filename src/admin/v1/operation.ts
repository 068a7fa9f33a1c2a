import * as z from 'zod';
import type { Services } from '../../services.js';
import { HttpError, type HTTP_STATUS, type HttpErrorCode, type Issue } from '../../http/error.js';

/**
 * One endpoint of the JSON admin API, declared once: the router validates requests and answers
 * with these schemas, and the OpenAPI document is generated from the very same ones.
 */

/** The admin API's way to raise an HttpError: the status is the code's own (checked when compiled). */
export class ApiError<C extends HttpErrorCode> extends HttpError {
  constructor(_status: (typeof HTTP_STATUS)[C], code: C, message: string, issues?: Issue[]) {
    super(code, message, issues ? { issues } : {});
  }
}

export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `No ${what} with id ${JSON.stringify(id)}`);

export interface OperationContext {
  svc: Services;
  env: object;
  /** The balancer's origin as the client reached it. */
  origin: string;
  waitUntil(p: Promise<unknown>): void;
}

const Empty = z.object({});
type Schema = z.ZodType;

export interface Operation<P extends Schema, Q extends Schema, B extends Schema, R extends Schema> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style, relative to /admin/v1: `/servers/{id}`. */
  path: string;
  tag: string;
  summary: string;
  /** Longer text for the OpenAPI document, where the summary is not enough. */
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The success answer and its status. */
  response: R;
  status?: 200 | 201;
  /** Error statuses this operation answers besides 400/401 (documented in OpenAPI). */
  errors?: (404 | 409 | 412 | 502 | 503)[];
  handler: (input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> } & OperationContext) => Promise<z.input<R>>;
}

export type AnyOperation = Operation<Schema, Schema, Schema, Schema>;

/** Type-checks one endpoint against its schemas, then keeps it in the untyped list the router walks. */
export function operation<P extends Schema = typeof Empty, Q extends Schema = typeof Empty, B extends Schema = typeof Empty, R extends Schema = Schema>(
  o: Operation<P, Q, B, R>,
): AnyOperation {
  return o as unknown as AnyOperation;
}
