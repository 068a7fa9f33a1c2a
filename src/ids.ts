import * as z from 'zod';

/**
 * What ids and stored text look like, for every surface (Scalelite and JSON admin APIs, ingest,
 * playback, the CLI): input is checked here before it reaches Postgres or Redis, so a malformed
 * id is the surface's not-found or bad-request answer, and a 5xx only ever means storage is down.
 */

// Postgres refuses NUL in text and jsonb ("invalid byte sequence for encoding UTF8: 0x00"), and an
// unpaired UTF-16 surrogate has no UTF-8 form. Other C0 controls and DEL never belong in an id or
// a setting either; tab, LF and CR stay allowed (a welcome message typed into a textarea).
const UNSTORABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_MESSAGE = 'must not contain control characters or unpaired surrogates';

export const isStorable = (s: string): boolean => !UNSTORABLE.test(s);

/** Text that Postgres and Redis store as given, at most `max` characters. */
export const storableText = (max: number) => z.string().max(max).refine(isStorable, UNSTORABLE_MESSAGE);

/**
 * Server and tenant ids are text in Postgres: generated UUIDs, a host name (SERVER_ID_IS_HOSTNAME,
 * IPv6 brackets included), `default`, or whatever an import brought. Any storable text is
 * accepted rather than a charset that could strand an existing row.
 */
export const MAX_ID_LENGTH = 256;
export const ServerId = storableText(MAX_ID_LENGTH).min(1);
export const TenantId = storableText(MAX_ID_LENGTH).min(1);

/** The tenant of a single-tenant balancer, and of every call no tenant host matched. */
export const DEFAULT_TENANT = 'default';

/**
 * One DNS label, lowercase: a tenant's name (it is the first label of its host) and a server's
 * cluster proxy basename.
 */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** BBB's meetingID rule (src/bbb/query.ts): at most 256 characters, no comma. */
export const MeetingId = storableText(256)
  .min(1)
  .refine((s) => !s.includes(','), 'must not contain a comma');

/**
 * BBB record ids are `<sha1>-<ms>`; anything id-like is accepted, nothing that could nest in an
 * object key (`<format>/<recordID>/…`): letters, digits, `_` and `-`, starting with a letter or digit.
 */
export const RECORD_ID = /^[A-Za-z0-9][\w-]{0,255}$/;
export const RecordId = z.string().regex(RECORD_ID, 'must be a BBB record id (letters, digits, "_", "-"; at most 256)');

/** Whether `value` is a valid id by `schema`: for surfaces whose answer to a bad id is not-found. */
export const isValid = (schema: z.ZodType, value: unknown): value is string => schema.safeParse(value).success;

/**
 * Every string in a decoded JSON value (keys included) that could not be stored, by path: the
 * one check for free-form documents (tenant settings, imports) no field schema covers.
 */
export function unstorablePaths(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (typeof value === 'string') {
    if (!isStorable(value)) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorablePaths(v, [...path, String(i)], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorable(k)) out.push([...path, k]);
      unstorablePaths(v, [...path, k], out);
    }
  }
  return out;
}
