/**
 * Each recording's getRecordings element kept ready by Postgres (migrations/0015_recording_answer.sql)
 * against a fresh render of the same row (renderRecording through the XML builder), after every
 * writer of the index: seeding and import rows, ingest's index write, publish/unpublish, update,
 * delete, the importer's carried-over state, a node's takeover, breakout rooms coming and going.
 */
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { renderResponse } from '../../src/bbb/xml';
import type { PlaybackFormat, RecordingMetadata } from '../../src/recordings/metadata';
import { renderRecording, renderRecordingsAnswer, type RenderOptions } from '../../src/recordings/render';
import { services } from '../../src/services';
import { indexRecording } from '../../src/store/recording-index';
import { transferRecordings } from '../../src/store/recording-owner';
import { findRecordings, findRecordingsAnswer, markDeleted, setPublished, updateRecordings, type RecordingFilter } from '../../src/store/recordings';
import { carryOverState } from '../../src/store/scalelite-import';
import { resetRecordings, seed } from './recordings-api-support';

const sql = () => services(env).sql;
// An origin the builder has to escape (WHATWG hosts may hold '&').
const ORIGIN = 'https://lb&co.example:8443';
const INDEXED: RecordingFilter = { states: ['published', 'unpublished', 'deleted'] };
const WINDOW = { offset: 0, limit: 1000, count: false };
const TRICKY = 'Fred\'s "room" & <friends>\r\x01\x0B tab\there ✓ 😀';

/** Every indexed recording's element as getRecordings completes it (stored, or rendered by the Worker) equals a fresh render of its row. */
async function expectFresh(): Promise<void> {
  const { recordings } = await findRecordings(sql(), 'default', INDEXED, WINDOW);
  expect(recordings.length).toBeGreaterThan(0);
  for (const protection of [false, true]) {
    const o: RenderOptions = { origin: ORIGIN, protection, linkTokens: new Map() };
    // With protection on, protected recordings' links are one-time: the Worker renders those.
    const answer = await findRecordingsAnswer(sql(), 'default', INDEXED, WINDOW, protection);
    expect(answer.rendered.map((r) => r.recordID)).toEqual(recordings.filter((r) => protection && r.protected).map((r) => r.recordID));
    const stored = renderRecordingsAnswer(answer, o).split('<recording>').slice(1).map((s) => `<recording>${s.replace(/<\/recordings>[\s\S]*$/, '')}`);
    const fresh = recordings.map((r) => renderResponse({ recording: renderRecording(r, o) }).replace(/^[\s\S]*?<response>|<\/response>$/g, ''));
    expect(stored).toEqual(fresh);
  }
}

const format = (f: Partial<PlaybackFormat> & { format: string }): PlaybackFormat => ({
  url: `/playback/${f.format}/2.3/x`,
  length: 7,
  processingTime: null,
  size: null,
  preview: [],
  ...f,
});

function metadata(recordId: string, m: Partial<RecordingMetadata> = {}): RecordingMetadata {
  return {
    recordId,
    meetingId: `meeting-${recordId}`,
    internalMeetingId: recordId,
    name: TRICKY,
    state: 'published',
    published: true,
    participants: 4,
    startTime: new Date(1_700_000_000_123),
    endTime: new Date(1_700_003_600_456),
    rawSize: 999,
    isBreakout: false,
    parentMeetingId: null,
    breakoutSequence: null,
    metadata: { 'bbb-origin': 'moodle', note: TRICKY },
    playback: format({ format: 'presentation' }),
    ...m,
  };
}

const index = (recordId: string, formats: PlaybackFormat[], m: Partial<RecordingMetadata> = {}) =>
  indexRecording(sql(), { tenant: 'default', serverId: 'node-1', meta: metadata(recordId, m), published: true, protectByDefault: false, formats }, []);

beforeEach(async () => {
  await resetRecordings();
  await seed({
    recordID: 'tricky',
    name: TRICKY,
    participants: null,
    metadata: {
      'gl-listed': 'true', 'Upper.Case_1': TRICKY, '1starts-with-digit': 'x', 'xml-reserved': 'x', XMLupper: 'x', 'has space': 'x',
      ['__proto__']: 'x', meetingName: 'Own name', isbreakout: 'lower', empty: '',
    },
    formats: [
      {
        format: 'presentation',
        processingTime: 0,
        size: 0,
        preview: [
          { url: '/p/1.png', width: 176, height: 136, alt: `Slide "1" & 'two' <b>\r` },
          { url: 'https://cdn.example/2.png?a=1&b=2' },
        ],
      },
      { format: 'video', url: 'https://video.example/v?x=1&y=2', length: 0 },
      { format: 'podcast', url: '' },
    ],
  });
  await seed({ recordID: 'bare', formats: [], size: 12, rawSize: 34 });
  await seed({ recordID: 'unpublished', state: 'unpublished', protected: true });
});

describe('the stored getRecordings element', () => {
  it('is a fresh render for rows written directly (seeding, an old release)', expectFresh);

  it('is a fresh render after ingest indexes and re-indexes a recording', async () => {
    expect(await index('ingested', [format({ format: 'presentation', preview: [{ url: '/t.png', width: 1, height: 2, alt: 'a' }] })])).toEqual([]);
    await expectFresh();
    await index('ingested', [format({ format: 'presentation', length: 9 }), format({ format: 'video', size: 77, processingTime: 5 })], {
      name: 'Renamed',
      metadata: { other: 'value' },
    });
    await expectFresh();
  });

  it('is a fresh render after publish, unpublish, update, protect and delete', async () => {
    await setPublished(sql(), 'default', 'tricky', false);
    await expectFresh();
    await setPublished(sql(), 'default', 'unpublished', true);
    await expectFresh();
    expect(await updateRecordings(sql(), 'default', ['tricky', 'bare'], { set: { added: TRICKY, 'gl-listed': 'false' }, remove: ['empty'], protect: true })).toBe(true);
    await expectFresh();
    await markDeleted(sql(), 'default', 'tricky');
    await expectFresh();
  });

  it("is a fresh render after the importer's carried-over state and a node's takeover", async () => {
    await index('imported', [format({ format: 'presentation' })]);
    const carried = carryOverState({ recordID: 'imported', owner: 'node-1', protected: true, publishUpdated: true });
    await sql().query(carried.text, carried.params);
    await expectFresh();
    await transferRecordings(sql(), 'node-1', 'node-2');
    await expectFresh();
  });

  it('lists breakout rooms as they come, change and go', async () => {
    await seed({ recordID: 'parent' });
    await seed({ recordID: 'room-2', isBreakout: true, parentMeetingID: 'parent', sequence: 2 });
    await index('room-1', [format({ format: 'presentation' })], { isBreakout: true, parentMeetingId: 'parent', breakoutSequence: 1 });
    await expectFresh();
    expect((await findRecordings(sql(), 'default', { recordIDs: ['parent'] }, WINDOW)).recordings[0]!.breakoutRooms).toEqual(['room-1', 'room-2']);
    await sql().query(`UPDATE recordings SET breakout_sequence = 0 WHERE record_id = 'room-2'`);
    await expectFresh();
    await markDeleted(sql(), 'default', 'room-1');
    await expectFresh();
    await sql().query(`DELETE FROM recordings WHERE record_id = 'room-2'`);
    await expectFresh();
    expect((await findRecordings(sql(), 'default', { recordIDs: ['parent'] }, WINDOW)).recordings[0]!.breakoutRooms).toEqual([]);
    // A parent indexed after its rooms lists them from the start.
    await seed({ recordID: 'room-3', isBreakout: true, parentMeetingID: 'late-parent', sequence: 1 });
    await seed({ recordID: 'late-parent' });
    await expectFresh();
  });
});
