// BBB checksum rules, re-implemented from bbb-common-web (GetChecksum, GetChecksumValidator,
// ValidationService.buildQueryStringFromParamsMap) so the simulator judges the balancer the way BBB does.
import { createHash } from 'node:crypto';

export const ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
export type ChecksumAlgorithm = (typeof ALGORITHMS)[number];

/** Request parameters as a servlet sees them: every value of every key, in arrival order. */
export type ParamMap = Map<string, string[]>;

const ALGORITHM_BY_HEX_LENGTH: Record<number, ChecksumAlgorithm> = {
  40: 'sha1',
  64: 'sha256',
  96: 'sha384',
  128: 'sha512',
};

export function isChecksumAlgorithm(value: unknown): value is ChecksumAlgorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}

export function checksumFor(call: string, query: string, secret: string, algorithm: ChecksumAlgorithm = 'sha1'): string {
  return createHash(algorithm).update(call + query + secret, 'utf8').digest('hex');
}

// ParamsUtil.sanitizeString: BBB strips \p{Cc} before hashing.
function stripControlChars(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** java.net.URLEncoder.encode(v, "UTF-8"): keeps [A-Za-z0-9.*_-], space becomes '+', the rest is %XX of UTF-8. */
export function javaUrlEncode(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9.*_-]/.test(ch)) out += ch;
    else if (byte === 0x20) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The string BBB signs when the query string is empty (e.g. a form POST): keys sorted, checksum left out. */
export function canonicalQuery(params: ParamMap): string {
  const parts: string[] = [];
  for (const key of [...params.keys()].sort()) {
    if (key === 'checksum') continue;
    for (const value of params.get(key) ?? []) parts.push(`${key}=${javaUrlEncode(value)}`);
  }
  return parts.join('&');
}

/** GetChecksum.removeChecksumFromQueryString: plain replace-all of the three spellings, no re-encoding. */
export function stripChecksum(query: string, checksum: string): string {
  return query
    .replaceAll(`&checksum=${checksum}`, '')
    .replaceAll(`checksum=${checksum}&`, '')
    .replaceAll(`checksum=${checksum}`, '');
}

export interface ChecksumCheck {
  call: string;
  /** The raw query string exactly as received (without '?'). */
  rawQuery: string;
  params: ParamMap;
  secret: string;
  algorithms: readonly ChecksumAlgorithm[];
}

export function verifyChecksum({ call, rawQuery, params, secret, algorithms }: ChecksumCheck): boolean {
  const provided = params.get('checksum') ?? [];
  // Newer BBB rejects a repeated checksum outright: replace-all would otherwise strip both copies.
  if (provided.length > 1) return false;
  if (secret === '') return true; // an empty securitySalt disables checks, as in BBB
  const checksum = provided[0] ?? '';
  const algorithm = ALGORITHM_BY_HEX_LENGTH[checksum.length];
  if (!algorithm || !algorithms.includes(algorithm)) return false;
  const query = stripControlChars(rawQuery === '' ? canonicalQuery(params) : rawQuery);
  const expected = checksumFor(call, stripChecksum(query, checksum), secret, algorithm);
  return expected === checksum.toLowerCase();
}
