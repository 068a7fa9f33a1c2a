import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  digest,
  digestHex,
  fromBase64,
  fromBase64Url,
  fromHex,
  hmacHex,
  hmacKey,
  hmacVerify,
  importHmacKey,
  randomHex,
  toBase64,
  toBase64Url,
  toHex,
  utf8,
} from '../../src/crypto.js';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('hex', () => {
  it('encodes every byte as two lowercase digits', () => {
    expect(toHex(bytes(0x00, 0x0f, 0x10, 0xa5, 0xff))).toBe('000f10a5ff');
    expect(toHex(new Uint8Array(256).map((_, i) => i))).toBe(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join(''));
    expect(toHex(bytes(0xde, 0xad).buffer)).toBe('dead');
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('decodes either case and refuses anything else', () => {
    expect(fromHex('DEADbeef00')).toEqual(bytes(0xde, 0xad, 0xbe, 0xef, 0x00));
    expect(fromHex('')).toEqual(new Uint8Array(0));
    for (const bad of ['abc', 'zz', '0x00', ' 00', '00\n']) expect(fromHex(bad)).toBeUndefined();
  });

  it('round-trips random bytes', () => {
    const random = crypto.getRandomValues(new Uint8Array(64));
    expect(fromHex(toHex(random))).toEqual(random);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(16)).not.toBe(randomHex(16));
  });
});

describe('base64 and base64url', () => {
  // RFC 4648 §10.
  const VECTORS: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];

  it.each(VECTORS)('%j is %j', (text, encoded) => {
    expect(toBase64(utf8(text))).toBe(encoded);
    expect(fromBase64(encoded)).toEqual(utf8(text));
    expect(toBase64Url(utf8(text))).toBe(encoded.replace(/=+$/, ''));
    expect(fromBase64Url(encoded.replace(/=+$/, ''))).toEqual(utf8(text));
  });

  it('uses - and _ in base64url where base64 has + and /', () => {
    expect(toBase64(bytes(0xfb, 0xff, 0xbf))).toBe('+/+/');
    expect(toBase64Url(bytes(0xfb, 0xff, 0xbf))).toBe('-_-_');
    expect(fromBase64Url('-_-_')).toEqual(bytes(0xfb, 0xff, 0xbf));
  });

  it('refuses padding, the standard alphabet and impossible lengths in base64url', () => {
    for (const bad of ['Zg==', '+/+/', 'Zm9vY', 'a.b', ' Zg']) expect(fromBase64Url(bad)).toBeUndefined();
    expect(() => fromBase64('not base64!')).toThrow();
  });

  it('round-trips large inputs (sliced for String.fromCharCode)', () => {
    const large = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251);
    // Compared as hex: a deep equality of 100,000 elements takes seconds.
    expect(toHex(fromBase64(toBase64(large)))).toBe(toHex(large));
    expect(toHex(fromBase64Url(toBase64Url(large))!)).toBe(toHex(large));
  });
});

describe('digests', () => {
  it('computes the FIPS 180 vectors of "abc", a string hashed as UTF-8', async () => {
    expect(await digestHex('SHA-1', 'abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(await digestHex('SHA-256', 'abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await digestHex('SHA-256', utf8('abc'))).toBe(await digestHex('SHA-256', 'abc'));
    expect(toHex(await digest('SHA-256', utf8('abc').buffer))).toBe(await digestHex('SHA-256', 'abc'));
    expect(await digestHex('SHA-256', '')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('HMAC', () => {
  // RFC 4231 test case 2.
  const KEY = 'Jefe';
  const DATA = 'what do ya want for nothing?';
  const SHA256 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
  const SHA512 =
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737';

  it('computes the RFC 4231 vectors, from a secret or a key', async () => {
    expect(await hmacHex('SHA-256', KEY, DATA)).toBe(SHA256);
    expect(await hmacHex('SHA-512', KEY, DATA)).toBe(SHA512);
    expect(await hmacHex('SHA-256', await importHmacKey('SHA-256', utf8(KEY)), utf8(DATA))).toBe(SHA256);
  });

  it('verifies a MAC and refuses another', async () => {
    expect(await hmacVerify('SHA-256', KEY, fromHex(SHA256)!, DATA)).toBe(true);
    expect(await hmacVerify('SHA-256', KEY, fromHex(SHA256)!, `${DATA}!`)).toBe(false);
    expect(await hmacVerify('SHA-256', 'other', fromHex(SHA256)!, DATA)).toBe(false);
  });

  it('imports a secret once per hash and reuses the key', async () => {
    const key = hmacKey('SHA-256', 'cached secret');
    expect(hmacKey('SHA-256', 'cached secret')).toBe(key);
    expect(hmacKey('SHA-512', 'cached secret')).not.toBe(key);
    expect(hmacKey('SHA-256', 'another secret')).not.toBe(key);
    expect((await key).algorithm).toMatchObject({ name: 'HMAC', hash: { name: 'SHA-256' } });
  });

  it('keeps at most 1,024 keys, dropping the oldest first', async () => {
    const first = hmacKey('SHA-256', 'rotated 0');
    for (let i = 1; i <= 1024; i++) hmacKey('SHA-256', `rotated ${i}`);
    const last = hmacKey('SHA-256', 'rotated 1024');
    expect(hmacKey('SHA-256', 'rotated 1024')).toBe(last);
    expect(hmacKey('SHA-256', 'rotated 0')).not.toBe(first);
    await Promise.all([first, last]);
  });

  it('does not keep a failed import', async () => {
    // WebCrypto refuses a zero-length HMAC key.
    const failed = hmacKey('SHA-256', '');
    await expect(failed).rejects.toThrow();
    expect(hmacKey('SHA-256', '')).not.toBe(failed);
    await hmacKey('SHA-256', '').catch(() => undefined);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
