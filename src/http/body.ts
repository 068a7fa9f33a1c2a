import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from './error.js';

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A body over `maxSize` bytes is refused before it is read: `body_too_large`, in the surface's shape. */
export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new HttpError('body_too_large', `The request body must be at most ${maxSize} bytes`);
    },
  });
}

/**
 * The request's JSON body, undefined when there is none (blank). Anything else than JSON is
 * `unsupported_content_type`, JSON that does not parse `invalid_json`.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  if (mediaType(c.req.header('content-type')) !== 'application/json') {
    throw new HttpError('unsupported_content_type', 'The request body must be JSON (Content-Type: application/json)');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError('invalid_json', 'The request body is not valid JSON');
  }
}
