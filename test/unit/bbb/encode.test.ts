import { describe, expect, it } from 'vitest';
import { encodeFormComponent, encodeQuery } from '../../../src/bbb/encode.js';
import { parseQuery } from '../../../src/bbb/query.js';

describe('encodeFormComponent (Ruby encode_www_form_component / Java URLEncoder)', () => {
  it('keeps alphanumerics and *-._, turns space into +', () => {
    expect(encodeFormComponent('Az09*-._')).toBe('Az09*-._');
    expect(encodeFormComponent('Test Meeting')).toBe('Test+Meeting');
  });

  it("escapes what encodeURIComponent would leave alone: ~ ! ' ( )", () => {
    expect(encodeFormComponent("~!'()")).toBe('%7E%21%27%28%29');
  });

  it('escapes reserved characters and UTF-8 bytes in uppercase hex', () => {
    expect(encodeFormComponent('a&b=c+d/e:f?g#h%i')).toBe('a%26b%3Dc%2Bd%2Fe%3Af%3Fg%23h%25i');
    expect(encodeFormComponent('Zoë €😀')).toBe('Zo%C3%AB+%E2%82%AC%F0%9F%98%80');
    expect(encodeFormComponent('a\r\nb')).toBe('a%0D%0Ab');
  });

  it('substitutes U+FFFD for a lone surrogate instead of throwing', () => {
    expect(encodeFormComponent('a\uD800b')).toBe('a%EF%BF%BDb');
  });
});

describe('encodeQuery', () => {
  it('joins pairs in order, repeats included, empty values kept', () => {
    expect(
      encodeQuery([
        ['name', 'Test Meeting'],
        ['meetingID', 'abc 123'],
        ['meta_x', ''],
        ['name', '*~'],
      ]),
    ).toBe('name=Test+Meeting&meetingID=abc+123&meta_x=&name=*%7E');
    expect(encodeQuery([])).toBe('');
  });

  it('round-trips through parseQuery', () => {
    const params = [
      ['welcome', 'Hi <b>all</b> & 100% "welcome"\r\n'],
      ['meta_bbb-origin', 'Zoë 😀'],
    ] as const;
    expect(parseQuery(encodeQuery(params))).toEqual(params);
  });
});
