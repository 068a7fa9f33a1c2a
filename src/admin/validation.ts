import * as z from 'zod';
import type { Issue } from '../http/error.js';
import { UNSTORABLE_MESSAGE, unstorablePaths } from '../ids.js';

/**
 * Input checking shared by both admin APIs: every string must be storable (src/ids.ts), then the
 * schema applies; a failure names each field at fault as `<where>.<path>` (`body.server.state`).
 */
export type { Issue };

export type Checked<T> = { ok: true; data: T } | { ok: false; message: string; issues: Issue[] };

export function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): Checked<z.output<S>> {
  const name = (path: PropertyKey[]) => [where, ...path.map(String)].join('.');
  const unstorable = unstorablePaths(value).map((p) => ({ path: name(p), message: UNSTORABLE_MESSAGE }));
  const r = unstorable.length ? undefined : schema.safeParse(value);
  if (r?.success) return { ok: true, data: r.data };
  const issues = r ? r.error.issues.map((i) => ({ path: name(i.path), message: i.message })) : unstorable;
  return { ok: false, message: `Invalid request: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues };
}

/** Shared with the Scalelite admin API. */
export { Capacity } from './v1/schemas/servers.js';
