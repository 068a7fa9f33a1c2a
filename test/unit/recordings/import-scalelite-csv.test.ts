import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../scripts/import-scalelite/csv';
import { fromTables } from '../../../scripts/import-scalelite/db-tables';

describe('CSV as psql writes it', () => {
  it('quotes, escaped quotes, embedded newlines and commas, NULL versus empty, CRLF', () => {
    const text = 'a,b,c\r\n1,"x, ""y""",\r\n2,"",last\n3,"two\nlines",z';
    expect(parseCsv(text)).toEqual([
      { a: '1', b: 'x, "y"', c: null },
      { a: '2', b: '', c: 'last' },
      { a: '3', b: 'two\nlines', c: 'z' },
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('a,b\n')).toEqual([]);
    expect(() => parseCsv('a\n"open')).toThrow('unterminated');
  });
});

describe("Scalelite's tables", () => {
  it('joins formats, thumbnails in sequence and metadata to their recording; null state follows published', () => {
    const out = fromTables({
      recordings: [{ id: '7', record_id: 'r1', meeting_id: 'm1', name: null, published: 't', participants: null, state: null, starttime: '2024-02-03 04:05:06.789', endtime: null, protected: 'f', publish_updated: 'f' }],
      metadata: [{ id: '1', recording_id: '7', key: 'gl-listed', value: null }],
      playbackFormats: [{ id: '3', recording_id: '7', format: 'presentation', url: '/playback/presentation/2.3/r1', length: '4', processing_time: null }],
      thumbnails: [
        { id: '2', playback_format_id: '3', width: '10', height: '8', alt: 'b', url: '/b.png', sequence: '1' },
        { id: '1', playback_format_id: '3', width: null, height: null, alt: null, url: '/a.png', sequence: '0' },
      ],
    });
    expect(out.get('r1')).toEqual({
      recordID: 'r1', meetingID: 'm1', name: '', state: 'published', published: true, protected: false, publishUpdated: false,
      participants: null, startTime: new Date('2024-02-03T04:05:06.789Z'), endTime: null, metadata: { 'gl-listed': '' },
      formats: [{ format: 'presentation', url: '/playback/presentation/2.3/r1', length: 4, processingTime: null, size: null, preview: [
        { url: '/a.png', width: null, height: null, alt: '' },
        { url: '/b.png', width: 10, height: 8, alt: 'b' },
      ] }],
    });
  });

  it('names a missing column', () => {
    expect(() => fromTables({ recordings: [{ id: '1' }], metadata: [], playbackFormats: [], thumbnails: [] })).toThrow('column record_id is missing');
  });
});
