import { describe, expect, it } from 'vitest';
import { IngestError } from '../../src/recordings/ingest/errors';
import { parseManifest, renderManifest } from '../../src/recordings/ingest/manifest';
import { assertFilePath, parseTarget } from '../../src/recordings/ingest/paths';
import { MetadataError, parseMetadataXml } from '../../src/recordings/metadata';
import { sign, stringToSign, verify } from '../../src/recordings/ingest/node-auth';
import { metadataXml } from '../support/recordings-ingest-fixture';

const FORMATS = ['presentation', 'video'];
const SHA = 'a'.repeat(64);

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof IngestError ? e.code : `not an IngestError: ${String(e)}`;
  }
  return 'no error';
};

describe('metadata.xml', () => {
  const id = 'ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124';
  const xml = (extra = '', o: Parameters<typeof metadataXml>[0] = { recordId: id }) =>
    metadataXml(o, 'presentation', `https://node.example.com/playback/presentation/2.3/${id}?a=1`, extra);

  it('every field Scalelite imports, plus size, raw size, processing time and breakout', () => {
    const m = parseMetadataXml(
      xml('<size>4096</size><extensions><preview><images><image width="176" height="136" alt="A &amp; B">https://n/presentation/x/thumb-1.png</image></images></preview></extensions>', {
        recordId: id,
        meetingId: 'room-1',
        name: 'Room <1>',
        meta: { 'bbb-context': 'Course', constructor: 'c' },
        breakout: { parentMeetingId: 'parent-1', sequence: 3 },
      }),
    );
    expect(m).toMatchObject({
      recordId: id,
      meetingId: 'room-1',
      internalMeetingId: id,
      name: 'Room <1>',
      state: 'published',
      published: true,
      participants: 3,
      rawSize: 123456,
      isBreakout: true,
      parentMeetingId: 'parent-1',
      breakoutSequence: 3,
      playback: { format: 'presentation', url: `/playback/presentation/2.3/${id}?a=1`, length: 3, processingTime: 7177, size: 4096 },
    });
    expect(m.startTime?.getTime()).toBe(1530718721124);
    expect(m.playback.preview).toEqual([{ url: '/presentation/x/thumb-1.png', width: 176, height: 136, alt: 'A & B' }]);
    expect(m.metadata['bbb-context']).toBe('Course');
    expect(m.metadata['constructor']).toBe('c');
    expect(Object.keys(m.metadata)).not.toContain('meetingId');
    expect(Object.getPrototypeOf(m.metadata)).toBe(Object.prototype);
    // The parser refuses this name outright: the recording is rejected, nothing is polluted.
    expect(() => parseMetadataXml(xml('', { recordId: id, meta: Object.fromEntries([['__proto__', 'p']]) }))).toThrow(MetadataError);
    expect(({} as Record<string, unknown>)['p']).toBeUndefined();
  });

  it('`available` is published; a missing state too', () => {
    expect(parseMetadataXml(xml().replace('<state>published</state>', '<state>available</state>')).state).toBe('published');
    expect(() => parseMetadataXml(xml().replace('<state>published</state>', '<state>weird</state>'))).toThrow(MetadataError);
  });

  it('hostile or broken XML: MetadataError, never entity expansion', () => {
    const bad = [
      '<!DOCTYPE r [<!ENTITY x "y">]><recording><id>&x;</id></recording>',
      '<recording><id>a</id>',
      '<response><id>a</id></response>',
      xml().replace(`<id>${id}</id>`, ''),
      xml().replace(/<link>[^<]*<\/link>/, '<link>javascript:alert(1)</link>'),
      xml().replace('<participants>3</participants>', '<participants>three</participants>'),
      `<recording>${'<meta>'.repeat(1)}${'x'.repeat(3 * 1024 * 1024)}</meta></recording>`,
    ];
    for (const text of bad) expect(() => parseMetadataXml(text), text.slice(0, 60)).toThrow(MetadataError);
  });
});

describe('ingest paths', () => {
  it('splits verb, record id, format and path, decoding each segment once', () => {
    const t = parseTarget('file/rec-1/presentation/presentation/d2d9/slide%201.png');
    expect(t.verb).toBe('file');
    expect(t.recordId).toBe('rec-1');
    expect(t.file(FORMATS)).toEqual({ recordId: 'rec-1', format: 'presentation', path: 'presentation/d2d9/slide 1.png' });
  });

  it('refuses traversal, encoded separators, control characters, unknown formats', () => {
    for (const rest of ['file/r/presentation/%2e%2e/x', 'file/r/presentation/a%2Fb', 'file/r/presentation/a%5Cb', 'file/r/presentation/a%00', 'file/r/presentation/a//b', 'file/r/presentation/%E0%A4%A']) {
      expect(code(() => parseTarget(rest).file(FORMATS)), rest).toBe('invalid_path');
    }
    expect(code(() => parseTarget('file/r/raw/x').file(FORMATS))).toBe('unknown_format');
    expect(code(() => parseTarget('file/r').file(FORMATS))).toBe('invalid_path');
    expect(code(() => parseTarget('file/..'))).toBe('bad_request');
    expect(code(() => parseTarget('file/a.b'))).toBe('bad_request');
    expect(code(() => assertFilePath('x'.repeat(1025)))).toBe('invalid_path');
    expect(code(() => assertFilePath(Array(33).fill('a').join('/')))).toBe('invalid_path');
  });
});

describe('manifest', () => {
  it('round-trips, paths with spaces included', () => {
    const entries = [
      { sha256: SHA, size: 12, format: 'presentation', path: 'metadata.xml' },
      { sha256: SHA, size: 0, format: 'video', path: 'a b/c.webm' },
    ];
    expect(parseManifest(renderManifest(entries), FORMATS)).toEqual(entries);
  });

  it('refuses malformed lines, repeats, traversal, unknown formats, an empty manifest', () => {
    expect(code(() => parseManifest(`${SHA} x presentation/a\n`, FORMATS))).toBe('bad_request');
    expect(code(() => parseManifest(`${SHA} 1 presentation/a\n${SHA} 2 presentation/a\n`, FORMATS))).toBe('bad_request');
    expect(code(() => parseManifest(`${SHA} 1 presentation/../a\n`, FORMATS))).toBe('invalid_path');
    expect(code(() => parseManifest(`${SHA} 1 raw/a\n`, FORMATS))).toBe('unknown_format');
    expect(code(() => parseManifest('\n', FORMATS))).toBe('bad_request');
  });
});

describe('node signatures', () => {
  const parts = { method: 'put', target: '/recordings/ingest/v1/file/r/presentation/a', serverId: 's1', timestamp: '1700000000', contentSha256: SHA };

  it('the string to sign is five lines, method upper-cased', () => {
    expect(stringToSign(parts)).toBe(`PUT\n/recordings/ingest/v1/file/r/presentation/a\ns1\n1700000000\n${SHA}`);
  });

  it('verifies in the skew window only, with the right secret only, any hex case', async () => {
    const sig = await sign('secret', parts);
    const at = { nowMs: 1700000000_000, skewMs: 300_000 };
    expect(await verify('secret', parts, sig, at)).toBe('ok');
    expect(await verify('secret', parts, sig.toUpperCase(), at)).toBe('ok');
    expect(await verify('other', parts, sig, at)).toBe('bad-signature');
    expect(await verify('', parts, sig, at)).toBe('bad-signature');
    expect(await verify('secret', { ...parts, target: parts.target + 'x' }, sig, at)).toBe('bad-signature');
    expect(await verify('secret', parts, sig, { ...at, nowMs: at.nowMs + 301_000 })).toBe('stale');
    expect(await verify('secret', { ...parts, timestamp: 'soon' }, sig, at)).toBe('stale');
  });
});
