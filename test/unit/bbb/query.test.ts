import { describe, expect, it } from 'vitest';
import { BbbError } from '../../../src/bbb/errors.js';
import {
  assertNoRepeats,
  assertValidMeetingId,
  checkQuerySize,
  MAX_QUERY_BYTES,
  param,
  parseQuery,
} from '../../../src/bbb/query.js';

function validationError(fn: () => unknown): BbbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BbbError);
    expect((e as BbbError).key).toBe('validationError');
    return e as BbbError;
  }
  throw new Error('expected a validationError');
}

describe('parseQuery', () => {
  it('keeps order and repeats', () => {
    expect(parseQuery('b=2&a=1&b=3')).toEqual([
      ['b', '2'],
      ['a', '1'],
      ['b', '3'],
    ]);
  });

  it('decodes + and %20 as space, %2B as plus', () => {
    expect(parseQuery('a=Test+Meeting&b=Test%20Meeting&c=1%2B1')).toEqual([
      ['a', 'Test Meeting'],
      ['b', 'Test Meeting'],
      ['c', '1+1'],
    ]);
  });

  it('decodes UTF-8 escapes, including 4-byte sequences, and passes raw characters through', () => {
    expect(parseQuery('n=Zo%C3%AB&e=%F0%9F%98%80&r=Zoë&m=a%C3%A9b%25')).toEqual([
      ['n', 'Zoë'],
      ['e', '😀'],
      ['r', 'Zoë'],
      ['m', 'aéb%'],
    ]);
  });

  it('decodes keys too, and splits at the first "=" only', () => {
    expect(parseQuery('meta_a%2Db=x=y')).toEqual([['meta_a-b', 'x=y']]);
  });

  it('ignores empty segments; a key without "=" has an empty value', () => {
    expect(parseQuery('a=1&&b=2&')).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(parseQuery('flag&x=')).toEqual([
      ['flag', ''],
      ['x', ''],
    ]);
    expect(parseQuery('')).toEqual([]);
  });

  it.each(['a=%', 'a=%2', 'a=%G1', 'a=100%', '%zz=1'])('rejects the malformed escape in %s', (q) => {
    expect(validationError(() => parseQuery(q)).message).toMatch(/percent-encoding/);
  });

  it.each([
    ['a lone continuation byte', 'a=%80'],
    ['an invalid byte', 'a=%FF'],
    ['a truncated sequence', 'a=%C3'],
    ['a truncated sequence before text', 'a=%C3x'],
    ['an overlong encoding', 'a=%C0%AF'],
    ['an encoded surrogate', 'a=%ED%A0%80'],
  ])('rejects invalid UTF-8: %s', (_name, q) => {
    expect(validationError(() => parseQuery(q)).message).toMatch(/UTF-8/);
  });

  it.each(['%00', '%01', '%08', '%0B', '%1F', '%7F'])('rejects the control character %s', (c) => {
    validationError(() => parseQuery(`name=a${c}b`));
    validationError(() => parseQuery(`na${c}me=x`));
  });

  it.each(['\u0000', '\u0001', '\u001F', '\u007F'])('rejects a raw control character %j in a text without escapes (form bodies)', (c) => {
    validationError(() => parseQuery(`a=1&name=a${c}b`));
    validationError(() => parseQuery(`na${c}me=x`));
  });

  it('accepts tab, LF and CR, which multi-line values need', () => {
    expect(parseQuery('welcome=a%09b%0D%0Ac')).toEqual([['welcome', 'a\tb\r\nc']]);
  });
});

describe('param', () => {
  it('returns the first value, or undefined', () => {
    const p = parseQuery('a=1&b=2&a=3');
    expect(param(p, 'a')).toBe('1');
    expect(param(p, 'b')).toBe('2');
    expect(param(p, 'c')).toBeUndefined();
  });
});

describe('assertNoRepeats', () => {
  it('refuses a repeated parameter, naming it', () => {
    const err = validationError(() => assertNoRepeats(parseQuery('meetingID=a&x=1&meetingID=b')));
    expect(err.message).toBe('Parameter meetingID must not be repeated.');
  });

  it('allows the exceptions and distinct names', () => {
    expect(() => assertNoRepeats(parseQuery('a=1&b=2'))).not.toThrow();
    expect(() => assertNoRepeats(parseQuery('m=1&m=2&a=1'), ['m'])).not.toThrow();
  });
});

describe('checkQuerySize', () => {
  it('allows exactly MAX_QUERY_BYTES and refuses one more', () => {
    expect(MAX_QUERY_BYTES).toBe(16 * 1024);
    expect(() => checkQuerySize('a'.repeat(MAX_QUERY_BYTES))).not.toThrow();
    validationError(() => checkQuerySize('a'.repeat(MAX_QUERY_BYTES + 1)));
  });

  it('counts UTF-8 bytes, not characters', () => {
    const twoByte = 'é'.repeat(MAX_QUERY_BYTES / 2);
    expect(() => checkQuerySize(twoByte)).not.toThrow();
    validationError(() => checkQuerySize(twoByte + 'a'));
  });
});

describe('assertValidMeetingId', () => {
  it('allows up to 256 characters without commas', () => {
    expect(() => assertValidMeetingId('m'.repeat(256))).not.toThrow();
    expect(() => assertValidMeetingId('room-1 Zoë')).not.toThrow();
  });

  it('refuses longer IDs and commas with BBB message', () => {
    expect(validationError(() => assertValidMeetingId('m'.repeat(257))).message).toBe('Invalid meeting ID');
    expect(validationError(() => assertValidMeetingId('a,b')).message).toBe('Invalid meeting ID');
  });
});
