// BBB API checksums: hex(HASH(call + query + secret)), the algorithm given by the hex length.
// Verification works on the query string exactly as received: re-encoding it would break
// every client whose encoding differs from ours (Ruby '+', PHP '+', Node '%20', ...).

import { constantTimeEqual, digestHex, type Hash } from '../crypto.js';

export type ChecksumAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const HASH: Record<ChecksumAlgorithm, Hash> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

const BY_HEX_LENGTH: Readonly<Record<number, ChecksumAlgorithm>> = {
  40: 'sha1',
  64: 'sha256',
  96: 'sha384',
  128: 'sha512',
};

// Weakest first: strength is the index.
const STRENGTH: readonly ChecksumAlgorithm[] = ['sha1', 'sha256', 'sha384', 'sha512'];

const HEX = /^[0-9a-fA-F]+$/;

function isAlgorithm(name: string): name is ChecksumAlgorithm {
  return (STRENGTH as readonly string[]).includes(name);
}

/** Parses Scalelite's LOADBALANCER_CHECKSUM_ALGORITHM form, e.g. `SHA1:SHA256:SHA512`. */
export function parseAlgorithms(setting: string): ChecksumAlgorithm[] {
  const out: ChecksumAlgorithm[] = [];
  for (const part of setting.split(':')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (!isAlgorithm(name)) throw new Error(`Unknown checksum algorithm "${part.trim()}"`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function algorithmForChecksum(hex: string): ChecksumAlgorithm | undefined {
  return BY_HEX_LENGTH[hex.length];
}

/** The strongest allowed algorithm, for signing calls to nodes. */
export function strongestAlgorithm(allowed: readonly ChecksumAlgorithm[]): ChecksumAlgorithm {
  let best: ChecksumAlgorithm | undefined;
  for (const alg of allowed) if (best === undefined || STRENGTH.indexOf(alg) > STRENGTH.indexOf(best)) best = alg;
  if (best === undefined) throw new Error('No checksum algorithm is allowed');
  return best;
}

/**
 * Removes the checksum from a raw query string the way BBB does (GetChecksum): plain
 * replace-all of `&checksum=X`, `checksum=X&` and `checksum=X`, never decoding anything.
 * `checksums` are the raw values of every `checksum=` segment, in order.
 */
export function stripChecksum(raw: string): { stripped: string; checksums: string[] } {
  const checksums: string[] = [];
  for (const segment of raw.split('&')) {
    if (segment === 'checksum') checksums.push('');
    else if (segment.startsWith('checksum=')) checksums.push(segment.slice('checksum='.length));
  }
  let stripped = raw;
  for (const c of new Set(checksums)) {
    stripped = stripped
      .replaceAll(`&checksum=${c}`, '')
      .replaceAll(`checksum=${c}&`, '')
      .replaceAll(`checksum=${c}`, '');
  }
  return { stripped, checksums };
}

/** hex(HASH(text)) of the text's UTF-8 bytes, lowercase. */
export function hexDigest(alg: ChecksumAlgorithm, text: string): Promise<string> {
  return digestHex(HASH[alg], text);
}

export async function verifyChecksum(opts: {
  call: string;
  /** The query part the checksum covers (raw query minus checksum, or BBB's canonical POST string). */
  checkString: string;
  checksum: string | undefined;
  secrets: readonly string[];
  allowed: readonly ChecksumAlgorithm[];
}): Promise<boolean> {
  const { checksum } = opts;
  // An empty secret would let anyone sign; BBB treats it as "checks off", we treat it as unusable.
  const secrets = opts.secrets.filter((s) => s !== '');
  if (secrets.length === 0 || !checksum || !HEX.test(checksum)) return false;
  const alg = algorithmForChecksum(checksum);
  if (alg === undefined || !opts.allowed.includes(alg)) return false;
  // BBB compares case-insensitively (equalsIgnoreCase); our digests are lowercase.
  const given = checksum.toLowerCase();
  const expected = await Promise.all(secrets.map((s) => hexDigest(alg, opts.call + opts.checkString + s)));
  // Compare against every secret so timing does not reveal which one matched.
  let matched = 0;
  for (const e of expected) matched |= constantTimeEqual(e, given) ? 1 : 0;
  return matched === 1;
}
