import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHMS,
  canonicalQuery,
  checksumFor,
  javaUrlEncode,
  stripChecksum,
  verifyChecksum,
  type ParamMap,
} from '../../support/bbb-sim/checksum';

const DOC_SECRET = '639259d4-9dd8-4b25-bf01-95f9567eaf4b';
const DOC_QUERY = 'name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444';

function paramsOf(query: string): ParamMap {
  const params: ParamMap = new Map();
  for (const [k, v] of new URLSearchParams(query)) params.set(k, [...(params.get(k) ?? []), v]);
  return params;
}

function check(rawQuery: string, algorithms = [...ALGORITHMS], secret = DOC_SECRET, call = 'create') {
  return verifyChecksum({ call, rawQuery, params: paramsOf(rawQuery), secret, algorithms });
}

describe('checksum', () => {
  it('reproduces the fixed vector from the BBB docs', () => {
    expect(checksumFor('create', DOC_QUERY, DOC_SECRET)).toBe('1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17');
    expect(check(`${DOC_QUERY}&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17`)).toBe(true);
  });

  it.each(ALGORITHMS)('picks %s from the checksum length', (algorithm) => {
    const sum = createHash(algorithm).update(`create${DOC_QUERY}${DOC_SECRET}`).digest('hex');
    expect(sum).toHaveLength({ sha1: 40, sha256: 64, sha384: 96, sha512: 128 }[algorithm]);
    expect(check(`${DOC_QUERY}&checksum=${sum}`)).toBe(true);
    expect(check(`${DOC_QUERY}&checksum=${sum.toUpperCase()}`)).toBe(true); // equalsIgnoreCase
    expect(check(`${DOC_QUERY}&checksum=${sum}`, ALGORITHMS.filter((a) => a !== algorithm))).toBe(false);
  });

  it('verifies over the raw query string, never re-encoded', () => {
    const raw = 'name=Test%20Meeting&meetingID=abc123';
    const sum = checksumFor('create', raw, DOC_SECRET);
    expect(check(`${raw}&checksum=${sum}`)).toBe(true);
    // The same parameters spelled with '+' are a different string and a different checksum.
    expect(check(`name=Test+Meeting&meetingID=abc123&checksum=${sum}`)).toBe(false);
  });

  it('finds the checksum at the start, middle or end of the query', () => {
    const sum = checksumFor('create', 'a=1&b=2', DOC_SECRET);
    expect(check(`checksum=${sum}&a=1&b=2`)).toBe(true);
    expect(check(`a=1&checksum=${sum}&b=2`)).toBe(true);
    expect(check(`a=1&b=2&checksum=${sum}`)).toBe(true);
    expect(stripChecksum(`checksum=X&a=1&checksum=X`, 'X')).toBe('a=1');
  });

  it('rejects a duplicated checksum even when both copies are correct', () => {
    const sum = checksumFor('getMeetings', '', DOC_SECRET);
    expect(check(`checksum=${sum}`, [...ALGORITHMS], DOC_SECRET, 'getMeetings')).toBe(true);
    expect(check(`checksum=${sum}&checksum=${sum}`, [...ALGORITHMS], DOC_SECRET, 'getMeetings')).toBe(false);
  });

  it('rejects missing, odd-length and wrong checksums, and signatures for another call', () => {
    expect(check(DOC_QUERY)).toBe(false);
    expect(check(`${DOC_QUERY}&checksum=abc`)).toBe(false);
    expect(check(`${DOC_QUERY}&checksum=${'0'.repeat(40)}`)).toBe(false);
    expect(check(`${DOC_QUERY}&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17`, [...ALGORITHMS], DOC_SECRET, 'join')).toBe(false);
  });

  it('accepts anything when the secret is empty, as BBB with security disabled', () => {
    expect(check('a=1', [...ALGORITHMS], '')).toBe(true);
  });

  describe('POST with an empty query string', () => {
    it('signs the sorted parameters encoded like java.net.URLEncoder', () => {
      expect(javaUrlEncode('a b*c~d.e-f_g/é')).toBe('a+b*c%7Ed.e-f_g%2F%C3%A9');
      const params = paramsOf('name=Test Meeting&meetingID=abc*1~&meta_x=1&meta_x=2&checksum=zzz');
      expect(canonicalQuery(params)).toBe('meetingID=abc*1%7E&meta_x=1&meta_x=2&name=Test+Meeting');
    });

    it('verifies against the canonical string when the query is empty', () => {
      const params = paramsOf('name=Test Meeting&meetingID=abc123');
      const sum = checksumFor('create', 'meetingID=abc123&name=Test+Meeting', DOC_SECRET);
      params.set('checksum', [sum]);
      expect(verifyChecksum({ call: 'create', rawQuery: '', params, secret: DOC_SECRET, algorithms: ALGORITHMS })).toBe(true);
    });
  });
});
