import { describe, expect, it } from 'vitest';
import {
  algorithmForChecksum,
  hexDigest,
  parseAlgorithms,
  stripChecksum,
  strongestAlgorithm,
  verifyChecksum,
  type ChecksumAlgorithm,
} from '../../../src/bbb/checksum.js';

const ALL: ChecksumAlgorithm[] = ['sha1', 'sha256', 'sha384', 'sha512'];

// bbb-api.md §1.1: the example from the BBB API docs.
const DOCS = {
  call: 'create',
  query: 'name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444',
  secret: '639259d4-9dd8-4b25-bf01-95f9567eaf4b',
  sha1: '1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17',
};

describe('hexDigest', () => {
  it('reproduces the BBB docs vector', async () => {
    expect(await hexDigest('sha1', DOCS.call + DOCS.query + DOCS.secret)).toBe(DOCS.sha1);
  });

  it('computes the standard digests of "abc" for all four algorithms', async () => {
    expect(await hexDigest('sha1', 'abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(await hexDigest('sha256', 'abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await hexDigest('sha384', 'abc')).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
    expect(await hexDigest('sha512', 'abc')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('hashes the UTF-8 bytes of the text', async () => {
    // sha1 of the two UTF-8 bytes C3 A9
    expect(await hexDigest('sha1', 'é')).toBe(await hexDigest('sha1', '\u00e9'));
    expect(await hexDigest('sha1', 'é')).not.toBe(await hexDigest('sha1', 'e\u0301'));
  });
});

describe('verifyChecksum', () => {
  const base = { call: DOCS.call, checkString: DOCS.query, secrets: [DOCS.secret], allowed: ALL };

  it('accepts the BBB docs vector', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1 })).toBe(true);
  });

  it.each(ALL)('accepts a %s checksum, chosen by its length', async (alg) => {
    const checksum = await hexDigest(alg, DOCS.call + DOCS.query + DOCS.secret);
    expect(checksum).toHaveLength({ sha1: 40, sha256: 64, sha384: 96, sha512: 128 }[alg]);
    expect(algorithmForChecksum(checksum)).toBe(alg);
    expect(await verifyChecksum({ ...base, checksum })).toBe(true);
  });

  it('accepts uppercase hex, as BBB does', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1.toUpperCase() })).toBe(true);
  });

  it('rejects a missing or empty checksum', async () => {
    expect(await verifyChecksum({ ...base, checksum: undefined })).toBe(false);
    expect(await verifyChecksum({ ...base, checksum: '' })).toBe(false);
  });

  it('rejects a checksum of the wrong length', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1.slice(1) })).toBe(false);
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1 + '0' })).toBe(false);
  });

  it('rejects non-hex characters', async () => {
    expect(await verifyChecksum({ ...base, checksum: 'g' + DOCS.sha1.slice(1) })).toBe(false);
    expect(await verifyChecksum({ ...base, checksum: ' ' + DOCS.sha1.slice(1) })).toBe(false);
  });

  it('rejects an algorithm that is not allowed', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, allowed: ['sha256', 'sha512'] })).toBe(false);
  });

  it('rejects a wrong secret, a changed query and a changed call', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, secrets: ['other'] })).toBe(false);
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, checkString: DOCS.query + '&x=1' })).toBe(false);
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, call: 'join' })).toBe(false);
  });

  it('checks every secret, whichever matches', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, secrets: ['a', 'b', DOCS.secret] })).toBe(true);
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, secrets: [DOCS.secret, 'a'] })).toBe(true);
  });

  it('fails closed without secrets, and never treats an empty secret as one', async () => {
    expect(await verifyChecksum({ ...base, checksum: DOCS.sha1, secrets: [] })).toBe(false);
    const unsalted = await hexDigest('sha1', DOCS.call + DOCS.query);
    expect(await verifyChecksum({ ...base, checksum: unsalted, secrets: [''] })).toBe(false);
  });
});

describe('parseAlgorithms', () => {
  it('reads the Scalelite form, case-insensitively', () => {
    expect(parseAlgorithms('SHA1:SHA256:SHA512')).toEqual(['sha1', 'sha256', 'sha512']);
    expect(parseAlgorithms('sha384:Sha256')).toEqual(['sha384', 'sha256']);
  });

  it('skips empty entries and repeats', () => {
    expect(parseAlgorithms(' SHA1 ::sha1:')).toEqual(['sha1']);
    expect(parseAlgorithms('')).toEqual([]);
  });

  it('names an unknown algorithm', () => {
    expect(() => parseAlgorithms('SHA1:MD5')).toThrow(/"MD5"/);
  });
});

describe('algorithmForChecksum / strongestAlgorithm', () => {
  it('maps hex lengths', () => {
    expect(algorithmForChecksum('a'.repeat(40))).toBe('sha1');
    expect(algorithmForChecksum('a'.repeat(64))).toBe('sha256');
    expect(algorithmForChecksum('a'.repeat(96))).toBe('sha384');
    expect(algorithmForChecksum('a'.repeat(128))).toBe('sha512');
    expect(algorithmForChecksum('a'.repeat(32))).toBeUndefined();
  });

  it('orders sha512 > sha384 > sha256 > sha1', () => {
    expect(strongestAlgorithm(['sha1', 'sha512', 'sha256'])).toBe('sha512');
    expect(strongestAlgorithm(['sha384', 'sha1', 'sha256'])).toBe('sha384');
    expect(strongestAlgorithm(['sha256', 'sha1'])).toBe('sha256');
    expect(strongestAlgorithm(['sha1'])).toBe('sha1');
    expect(() => strongestAlgorithm([])).toThrow();
  });
});

describe('stripChecksum', () => {
  const X = DOCS.sha1;

  it('removes the checksum at the end, start, middle, or alone', () => {
    expect(stripChecksum(`a=1&b=2&checksum=${X}`)).toEqual({ stripped: 'a=1&b=2', checksums: [X] });
    expect(stripChecksum(`checksum=${X}&a=1&b=2`)).toEqual({ stripped: 'a=1&b=2', checksums: [X] });
    expect(stripChecksum(`a=1&checksum=${X}&b=2`)).toEqual({ stripped: 'a=1&b=2', checksums: [X] });
    expect(stripChecksum(`checksum=${X}`)).toEqual({ stripped: '', checksums: [X] });
  });

  it('leaves a query without checksum alone', () => {
    expect(stripChecksum('a=1&b=2')).toEqual({ stripped: 'a=1&b=2', checksums: [] });
    expect(stripChecksum('')).toEqual({ stripped: '', checksums: [] });
  });

  it('reports every checksum, so duplicates can be refused', () => {
    expect(stripChecksum(`checksum=${X}&a=1&checksum=abc`).checksums).toEqual([X, 'abc']);
    expect(stripChecksum('a=1&checksum').checksums).toEqual(['']);
  });

  it('never re-encodes: %20, + and unusual escapes are kept byte for byte', () => {
    for (const q of [
      'name=Test%20Meeting&meetingID=a%2Ab',
      'name=Test+Meeting&meetingID=a*b',
      'name=Zo%C3%AB&x=%7e&y=~',
      'name=a%2bb&empty=&flag',
    ]) {
      expect(stripChecksum(`${q}&checksum=${X}`).stripped).toBe(q);
      expect(stripChecksum(`checksum=${X}&${q}`).stripped).toBe(q);
    }
  });

  it('does not touch parameters whose names merely contain "checksum"', () => {
    expect(stripChecksum(`mychecksum=1&checksum=${X}`)).toEqual({ stripped: 'mychecksum=1', checksums: [X] });
  });
});
