import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { app } from '../../src/app';
import { bbb, BASE, counters, encode, hex, resetCounters, SECRET, send } from './support';
import { bucket, keysUnder, putFiles, recordingsXml, resetRecordings, seed, seedMany, stateOf } from './recordings-api-support';

const list = (params: Record<string, string> = {}, env?: Record<string, string>) =>
  recordingsXml(bbb('getRecordings', params, env ? { env } : {}));

beforeEach(resetRecordings);

describe('getRecordings', () => {
  it('refuses a missing or wrong checksum', async () => {
    const none = await send(new Request(`${BASE}/bigbluebutton/api/getRecordings`));
    expect(await none.text()).toContain('<messageKey>checksumError</messageKey>');
    const { response } = await recordingsXml(bbb('getRecordings', {}, { checksum: 'x'.repeat(40) }));
    expect(response).toMatchObject({ returncode: 'FAILED', messageKey: 'checksumError' });
  });

  it('lists every published and unpublished recording with only a checksum, GET and POST', async () => {
    for (const id of ['r1', 'r2', 'r3']) await seed({ recordID: id });
    await seed({ recordID: 'r4', state: 'unpublished' });
    await seed({ recordID: 'r5', state: 'deleted' });
    await seed({ recordID: 'r6', state: 'processing' });
    expect((await list()).list.map((r) => r.recordID)).toEqual(['r4', 'r3', 'r2', 'r1']);
    const checksum = await hex('sha1', `getRecordings${SECRET}`);
    const post = await recordingsXml(
      send(new Request(`${BASE}/bigbluebutton/api/getRecordings`, { method: 'POST', body: `checksum=${checksum}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })),
    );
    expect(post.list).toHaveLength(4);
  });

  it('answers noRecordings when nothing matches', async () => {
    const { response, text } = await list({ meetingID: 'nothing' });
    expect(response).toMatchObject({ returncode: 'SUCCESS', messageKey: 'noRecordings', message: 'There are not recordings for the meetings' });
    expect(text).toContain('<recordings></recordings>');
  });

  it('renders BBB\'s XML: element order, URLs on the request host, metadata, preview images, sizes', async () => {
    await seed({
      recordID: 'abc-1',
      meetingID: 'room-1',
      name: 'Fred\'s Room',
      participants: 3,
      startTime: 1530718721124,
      size: 2048,
      rawSize: 4096,
      metadata: { 'gl-listed': 'false', 'bbb-origin': 'greenlight', empty: '' },
      formats: [
        { format: 'podcast', url: '/podcast/abc-1/audio.ogg', length: 0, processingTime: 0, size: 1024 },
        {
          format: 'presentation',
          url: '/playback/presentation/2.3/abc-1',
          length: 61,
          processingTime: 7177,
          size: 1024,
          preview: [{ url: '/presentation/abc-1/presentation/d1/thumbnails/thumb-1.png', width: 176, height: 136, alt: 'Welcome to' }],
        },
      ],
    });
    const { text, list: [r] } = await list({ meetingID: 'room-1' });
    expect(r).toMatchObject({
      recordID: 'abc-1',
      meetingID: 'room-1',
      internalMeetingID: 'abc-1',
      name: 'Fred\'s Room',
      isBreakout: 'false',
      published: 'true',
      state: 'published',
      startTime: '1530718721124',
      endTime: '1530722321124',
      participants: '3',
      rawSize: '4096',
      size: '2048',
      metadata: { 'gl-listed': 'false', 'bbb-origin': 'greenlight', empty: '', isBreakout: 'false', meetingId: 'room-1', meetingName: 'Fred\'s Room' },
    });
    expect(r.protected).toBeUndefined();
    expect(r.playback.format).toEqual([
      { type: 'podcast', url: `${BASE}/podcast/abc-1/audio.ogg`, processingTime: '0', length: '0', size: '1024' },
      {
        type: 'presentation',
        url: `${BASE}/playback/presentation/2.3/abc-1`,
        processingTime: '7177',
        length: '61',
        size: '1024',
        preview: {
          images: {
            image: [{ '#text': `${BASE}/presentation/abc-1/presentation/d1/thumbnails/thumb-1.png`, '@_alt': 'Welcome to', '@_height': '136', '@_width': '176' }],
          },
        },
      },
    ]);
    // Recording.scala's order.
    const order = ['recordID', 'meetingID', 'internalMeetingID', 'name', 'isBreakout', 'published', 'state', 'startTime', 'endTime', 'participants', 'rawSize', 'metadata', 'size', 'playback'];
    const at = order.map((tag) => text.indexOf(`<${tag}>`));
    expect(at.every((p) => p >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text.indexOf('<type>presentation</type><url>')).toBeGreaterThan(0);
  });

  it('links breakout rooms both ways', async () => {
    await seed({ recordID: 'parent-1', meetingID: 'course' });
    await seed({ recordID: 'child-2', meetingID: 'course-b2', isBreakout: true, parentMeetingID: 'parent-1', sequence: 2 });
    await seed({ recordID: 'child-1', meetingID: 'course-b1', isBreakout: true, parentMeetingID: 'parent-1', sequence: 1 });
    const { list: rs } = await list({ recordID: 'parent-1,child-1' });
    const parent = rs.find((r) => r.recordID === 'parent-1');
    const child = rs.find((r) => r.recordID === 'child-1');
    expect(parent.breakoutRooms).toEqual({ breakoutRoom: ['child-1', 'child-2'] });
    expect(parent.breakout).toBeUndefined();
    expect(child).toMatchObject({ isBreakout: 'true', breakout: { parentId: 'parent-1', sequence: '1' } });
  });

  it('matches CSV meetingIDs exactly and recordIDs by case-sensitive prefix; recordID wins over meetingID', async () => {
    for (let i = 1; i <= 7; i++) await seed({ recordID: `rec-${i}`, meetingID: `m-${i}` });
    expect((await list({ meetingID: 'm-2,m-5' })).list.map((r) => r.meetingID).sort()).toEqual(['m-2', 'm-5']);
    expect((await list({ meetingID: 'm-' })).list).toHaveLength(0);
    expect((await list({ recordID: 'rec-1,rec-3' })).list).toHaveLength(2);
    expect((await list({ recordID: 'rec-3', meetingID: 'm-1' })).list.map((r) => r.recordID)).toEqual(['rec-3']);
    expect((await list({ recordID: 'REC-3' })).response.messageKey).toBe('noRecordings');
  });

  it('matches 20 recordings sharing a 40-character prefix', async () => {
    const prefix = 'f'.repeat(40);
    for (let i = 0; i < 20; i++) await seed({ recordID: `${prefix}-${1000 + i}`, meetingID: 'same' });
    await seed({ recordID: `${'e'.repeat(40)}-1`, meetingID: 'same' });
    expect((await list({ recordID: prefix })).list).toHaveLength(20);
    // LIKE wildcards in a prefix are literal.
    expect((await list({ recordID: 'f%' })).list).toHaveLength(0);
    expect((await list({ recordID: '_' })).list).toHaveLength(0);
  });

  it('filters by state, with any for all, and refuses unknown states', async () => {
    await seed({ recordID: 'p', state: 'published' });
    await seed({ recordID: 'u', state: 'unpublished' });
    await seed({ recordID: 'd', state: 'deleted' });
    await seed({ recordID: 'x', state: 'processing' });
    const ids = async (state: string) => (await list({ state })).list.map((r) => r.recordID).sort();
    expect(await ids('published')).toEqual(['p']);
    expect(await ids('published,unpublished')).toEqual(['p', 'u']);
    expect(await ids('deleted,processing')).toEqual(['d', 'x']);
    expect(await ids('any')).toEqual(['d', 'p', 'u', 'x']);
    expect(await ids('published,any')).toEqual(['d', 'p', 'u', 'x']);
    expect((await list({ recordID: 'x,u,d', state: 'published,unpublished' })).list).toHaveLength(1);
    expect((await list({ state: 'published,bogus' })).response).toMatchObject({ returncode: 'FAILED', messageKey: 'validationError', message: 'Unknown recording state: bogus.' });
  });

  it('ANDs meta filters across keys and ORs the values of one key (Scalelite ORs everything)', async () => {
    await seed({ recordID: 'r1', metadata: { 'bbb-context-name': 'test1' } });
    await seed({ recordID: 'r2', metadata: { 'bbb-origin-tag': 'GL' } });
    await seed({ recordID: 'r3', metadata: { 'bbb-origin-tag': 'GL', 'bbb-context-name': 'test2' } });
    await seed({ recordID: 'r4', metadata: { 'bbb-origin-tag': 'GL', 'bbb-context-name': 'test3' } });
    const ids = async (p: Record<string, string>) => (await list(p)).list.map((r) => r.recordID).sort();
    expect(await ids({ 'meta_bbb-context-name': 'test1,test2', 'meta_bbb-origin-tag': 'GL' })).toEqual(['r3']);
    expect(await ids({ 'meta_bbb-context-name': 'test1,test2' })).toEqual(['r1', 'r3']);
    expect(await ids({ 'meta_bbb-origin-tag': 'GL' })).toEqual(['r2', 'r3', 'r4']);
    expect(await ids({ 'meta_BBB-Origin-Tag': 'GL', 'meta_bbb-context-name': 'test3' })).toEqual(['r4']);
    expect(await ids({ 'meta_bbb-context-name': 'test12', 'meta_bbb-origin-tag': 'GL1,GL2' })).toEqual([]);
  });

  it('pages newest first with BBB 2.6\'s pagination block and a total', async () => {
    for (let i = 0; i < 12; i++) await seed({ recordID: `r${String(i).padStart(2, '0')}`, meetingID: 'paged' });
    await seed({ recordID: 'elsewhere' });
    const page = await list({ meetingID: 'paged', offset: '5', limit: '4' });
    expect(page.list.map((r) => r.recordID)).toEqual(['r06', 'r05', 'r04', 'r03']);
    expect(page.response.pagination).toEqual({
      pageable: { offset: '5', limit: '4', paged: 'true', unpaged: 'false' },
      totalElements: '12',
      empty: 'false',
    });
    expect(page.response.totalElements).toBe('12');
    const last = await list({ meetingID: 'paged', offset: '12', limit: '4' });
    expect(last.response).toMatchObject({ messageKey: 'noRecordings', totalElements: '12', pagination: { empty: 'true' } });
    // limit alone starts at 0; offset alone pages by 100.
    expect((await list({ meetingID: 'paged', limit: '2' })).list.map((r) => r.recordID)).toEqual(['r11', 'r10']);
    expect((await list({ meetingID: 'paged', offset: '10' })).list).toHaveLength(2);
    // Without offset/limit: everything, no pagination block (Scalelite).
    const all = await list({ meetingID: 'paged' });
    expect(all.list).toHaveLength(12);
    expect(all.response.pagination).toBeUndefined();
  });

  it('returns at most the newest 5,000 without offset/limit; pages reach the rest', async () => {
    await seedMany('bulk', 5003, 'lecture');
    const all = await list({ meetingID: 'lecture' });
    expect(all.list).toHaveLength(5000);
    expect(all.list[0].recordID).toBe('bulk-5003');
    expect(all.list[4999].recordID).toBe('bulk-4');
    expect(all.response.pagination).toBeUndefined();
    const rest = await list({ meetingID: 'lecture', offset: '5000', limit: '100' });
    expect(rest.list.map((r) => r.recordID)).toEqual(['bulk-3', 'bulk-2', 'bulk-1']);
    expect(rest.response.totalElements).toBe('5003');
  });

  it('refuses bad offset and limit, huge CSVs and overlong IDs with a clear error', async () => {
    const bad: Record<string, string>[] = [{ offset: '-1' }, { offset: 'abc' }, { limit: '0' }, { limit: '101' }, { limit: '1.5' }, { offset: '99999999999' }];
    for (const p of bad) {
      const { response } = await list(p);
      expect(response).toMatchObject({ returncode: 'FAILED', messageKey: 'validationError' });
    }
    const many = Array.from({ length: 501 }, (_, i) => `r${i}`).join(',');
    expect((await list({ recordID: many })).response).toMatchObject({ messageKey: 'validationError', message: 'At most 500 values of recordID are accepted.' });
    expect((await list({ meetingID: 'x'.repeat(257) })).response.messageKey).toBe('validationError');
    // Above the query-size limit: refused before anything else.
    const huge = Array.from({ length: 3000 }, (_, i) => `meeting-${i}`).join(',');
    expect((await list({ meetingID: huge })).response.messageKey).toBe('validationError');
  });

  it('requires recordID or meetingID with GET_RECORDINGS_API_FILTERED', async () => {
    await seed({ recordID: 'r1', meetingID: 'm1' });
    const env = { GET_RECORDINGS_API_FILTERED: 'true' };
    expect((await list({}, env)).response).toMatchObject({ returncode: 'FAILED', messageKey: 'missingParameters', message: 'param meetingID or recordID must be included.' });
    expect((await list({ state: 'any' }, env)).response.messageKey).toBe('missingParameters');
    expect((await list({ meetingID: 'm1' }, env)).list).toHaveLength(1);
  });

  it('answers with ONE Postgres round trip and no Redis, whatever the number of recordings', async () => {
    for (let i = 0; i < 40; i++) {
      await seed({ recordID: `many-${i}`, meetingID: 'big', formats: [{ format: 'presentation', preview: [{ url: '/t.png' }] }, { format: 'video' }] });
    }
    await resetCounters();
    const { list: rs } = await list({ meetingID: 'big', state: 'any', 'meta_gl-listed': '' });
    expect(rs).toHaveLength(0);
    const none = await counters();
    await resetCounters();
    const all = await list({ meetingID: 'big' });
    expect(all.list).toHaveLength(40);
    expect(all.list[0].playback.format).toHaveLength(2);
    expect(await counters()).toEqual({ redis: 0, postgres: 1 });
    expect(none).toEqual({ redis: 0, postgres: 1 });
  });

  it('shows only the default tenant\'s recordings', async () => {
    await seed({ recordID: 'mine' });
    await seed({ recordID: 'theirs', tenant: 'other' });
    expect((await list({ state: 'any' })).list.map((r) => r.recordID)).toEqual(['mine']);
    expect((await list({ recordID: 'theirs' })).list).toHaveLength(0);
  });

  it('shows <protected> and one-time links instead of files with PROTECTED_RECORDINGS_ENABLED', async () => {
    await seed({ recordID: 'open', formats: [{ format: 'presentation', preview: [{ url: '/p/open.png' }] }] });
    await seed({ recordID: 'secret', protected: true, formats: [{ format: 'presentation', preview: [{ url: '/p/secret.png' }] }, { format: 'video' }] });
    const env = { PROTECTED_RECORDINGS_ENABLED: 'true' };
    const { list: rs } = await list({}, env);
    const open = rs.find((r) => r.recordID === 'open');
    const secret = rs.find((r) => r.recordID === 'secret');
    expect(open.protected).toBe('false');
    expect(open.playback.format[0].url).toBe(`${BASE}/playback/presentation/2.3/open`);
    expect(open.playback.format[0].preview).toBeDefined();
    expect(secret.protected).toBe('true');
    for (const f of secret.playback.format) {
      expect(f.url).toMatch(new RegExp(`^${BASE}/recording/secret/${f.type}\\?token=\\d+\\.[0-9a-f]{32}\\.[0-9a-f]{64}$`));
      expect(f.preview).toBeUndefined();
    }
    // Without the switch the flag is neither shown nor enforced (Scalelite).
    const plain = (await list({ recordID: 'secret' })).list[0];
    expect(plain.protected).toBeUndefined();
    expect(plain.playback.format[0].url).toBe(`${BASE}/playback/presentation/2.3/secret`);
  });

  it('answers noRecordings without a checksum when RECORDING_DISABLED', async () => {
    await seed({ recordID: 'r1' });
    const res = await send(new Request(`${BASE}/bigbluebutton/api/getRecordings`), { RECORDING_DISABLED: 'true' });
    const { response } = await recordingsXml(res);
    expect(response).toMatchObject({ returncode: 'SUCCESS', messageKey: 'noRecordings', recordings: '' });
  });
});

describe('every recordings call', () => {
  it('refuses a missing or wrong checksum (Scalelite\'s spec cases 1 and 2)', async () => {
    await seed({ recordID: 'r1' });
    const params: Record<string, Record<string, string>> = {
      publishRecordings: { recordID: 'r1', publish: 'false' },
      updateRecordings: { recordID: 'r1', meta_a: 'b' },
      deleteRecordings: { recordID: 'r1' },
    };
    for (const [call, p] of Object.entries(params)) {
      const none = await send(new Request(`${BASE}/bigbluebutton/api/${call}?${encode(p)}`));
      expect((await recordingsXml(none)).response).toMatchObject({ returncode: 'FAILED', messageKey: 'checksumError' });
      expect((await recordingsXml(bbb(call, p, { secret: 'wrong' }))).response.messageKey).toBe('checksumError');
    }
    expect(await stateOf('r1')).toMatchObject({ state: 'published', metadata: {} });
  });
});

describe('publishRecordings', () => {
  it('requires recordID and publish, and refuses POST', async () => {
    expect((await recordingsXml(bbb('publishRecordings', { publish: 'true' }))).response.messageKey).toBe('missingParamRecordID');
    expect((await recordingsXml(bbb('publishRecordings', { recordID: 'r1' }))).response).toMatchObject({ messageKey: 'missingParamPublish', message: 'You must specify a publish value true or false.' });
    expect((await recordingsXml(bbb('publishRecordings', { recordID: 'r1', publish: 'true' }, { method: 'POST' }))).response.messageKey).toBe('unsupportedRequest');
  });

  it('answers notFound for unknown IDs, other tenants\' IDs and when RECORDING_DISABLED', async () => {
    await seed({ recordID: 'theirs', tenant: 'other' });
    for (const recordID of ['nope', 'theirs']) {
      expect((await recordingsXml(bbb('publishRecordings', { recordID, publish: 'false' }))).response).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound', message: 'We could not find recordings' });
    }
    await seed({ recordID: 'mine' });
    const disabled = await recordingsXml(send(new Request(`${BASE}/bigbluebutton/api/publishRecordings?recordID=mine&publish=false`), { RECORDING_DISABLED: 'true' }));
    expect(disabled.response).toMatchObject({ messageKey: 'notFound' });
    expect((await stateOf('mine'))?.published).toBe(true);
  });

  it('moves every file between published/ and unpublished/ and updates the index', async () => {
    await seed({ recordID: 'r1', formats: [{ format: 'presentation' }, { format: 'video' }] });
    await seed({ recordID: 'r2' });
    await putFiles('published', 'presentation', 'r1', { 'metadata.xml': '<recording/>', 'slides/s1.png': 'png' });
    await putFiles('published', 'video', 'r1', { 'video-0.m4v': 'video' });
    await putFiles('published', 'presentation', 'r2', { 'metadata.xml': 'other' });

    const off = await recordingsXml(bbb('publishRecordings', { recordID: 'r1', publish: 'false' }));
    expect(off.response).toEqual({ returncode: 'SUCCESS', published: 'false' });
    expect(await stateOf('r1')).toMatchObject({ state: 'unpublished', published: false });
    expect(await keysUnder('published/')).toEqual(['published/presentation/r2/metadata.xml']);
    expect(await keysUnder('unpublished/')).toEqual([
      'unpublished/presentation/r1/metadata.xml',
      'unpublished/presentation/r1/slides/s1.png',
      'unpublished/video/r1/video-0.m4v',
    ]);
    expect(await (await bucket.get('unpublished/video/r1/video-0.m4v'))?.text()).toBe('video');

    // Unpublishing again changes nothing; publishing moves everything back.
    expect((await recordingsXml(bbb('publishRecordings', { recordID: 'r1', publish: 'false' }))).response.published).toBe('false');
    const on = await recordingsXml(bbb('publishRecordings', { recordID: 'r1,r2', publish: 'TRUE' }));
    expect(on.response.published).toBe('true');
    expect(await stateOf('r1')).toMatchObject({ state: 'published', published: true });
    expect(await keysUnder('unpublished/')).toEqual([]);
    expect(await keysUnder('published/')).toHaveLength(4);
  });
});

describe('updateRecordings', () => {
  beforeEach(async () => {
    await seed({ recordID: 'r1', metadata: { 'gl-listed': 'true' } });
    await seed({ recordID: 'r2' });
    await seed({ recordID: 'theirs', tenant: 'other' });
  });
  /** A form POST with everything in the body: the checksum covers BBB's canonical (sorted) string. */
  const post = async (params: Record<string, string>) => {
    const canonical = encode(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)));
    return bbb('updateRecordings', {}, { method: 'POST', body: encode(params), rawQuery: '', checksum: await hex('sha1', `updateRecordings${canonical}${SECRET}`) });
  };
  const update = (params: Record<string, string>, method: 'GET' | 'POST' = 'GET') =>
    recordingsXml(method === 'GET' ? bbb('updateRecordings', params) : post(params));

  it('requires a recordID', async () => {
    expect((await update({ 'meta_a': 'b' })).response.messageKey).toBe('missingParamRecordID');
  });

  it('adds, updates (keys lowercased) and deletes metadata on every listed recording', async () => {
    expect((await update({ recordID: 'r1', meta_NewParam: 'newvalue' })).response).toEqual({ returncode: 'SUCCESS', updated: 'true' });
    expect((await stateOf('r1'))?.metadata).toEqual({ 'gl-listed': 'true', newparam: 'newvalue' });
    await update({ recordID: 'r1', 'meta_gl-listed': 'false' });
    expect((await stateOf('r1'))?.metadata['gl-listed']).toBe('false');
    await update({ recordID: 'r1,r2', meta_newkey: 'v', 'meta_gl-listed': '' });
    expect((await stateOf('r1'))?.metadata).toEqual({ newparam: 'newvalue', newkey: 'v' });
    expect((await stateOf('r2'))?.metadata).toEqual({ newkey: 'v' });
    // A form POST, checksum over the canonical body.
    expect((await update({ recordID: 'r2', meta_newkey: 'w' }, 'POST')).response.updated).toBe('true');
    expect((await stateOf('r2'))?.metadata).toEqual({ newkey: 'w' });
  });

  it('protects and unprotects EVERY listed recording (Scalelite only the first)', async () => {
    expect((await update({ recordID: 'r1,r2', protect: 'true' })).response.updated).toBe('true');
    expect((await stateOf('r1'))?.protected).toBe(true);
    expect((await stateOf('r2'))?.protected).toBe(true);
    await update({ recordID: 'r2,r1', protect: 'false' });
    expect((await stateOf('r1'))?.protected).toBe(false);
    expect((await stateOf('r2'))?.protected).toBe(false);
    expect((await update({ recordID: 'r1', protect: 'maybe' })).response.messageKey).toBe('validationError');
  });

  it('changes nothing when any ID is unknown or another tenant\'s', async () => {
    expect((await update({ recordID: 'theirs', meta_x: 'y' })).response).toEqual({ returncode: 'SUCCESS', updated: 'false' });
    expect((await update({ recordID: 'r1,theirs', meta_x: 'y', protect: 'true' })).response.updated).toBe('false');
    expect((await update({ recordID: 'r1,nope', meta_x: 'y' })).response.updated).toBe('false');
    expect((await stateOf('r1'))).toMatchObject({ protected: false, metadata: { 'gl-listed': 'true' } });
    expect((await stateOf('theirs'))?.metadata).toEqual({});
    // Nothing asked: nothing updated.
    expect((await update({ recordID: 'r1' })).response.updated).toBe('false');
  });

  it('answers notFound when RECORDING_DISABLED, GET and POST', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await send(new Request(`${BASE}/bigbluebutton/api/updateRecordings?recordID=r1&meta_a=b`, { method }), { RECORDING_DISABLED: 'true' });
      expect((await recordingsXml(res)).response).toMatchObject({ messageKey: 'notFound', message: 'We could not find recordings' });
    }
  });
});

describe('deleteRecordings', () => {
  it('requires a recordID, refuses POST, answers notFound for unknown and other tenants\' IDs', async () => {
    await seed({ recordID: 'theirs', tenant: 'other' });
    expect((await recordingsXml(bbb('deleteRecordings', {}))).response.messageKey).toBe('missingParamRecordID');
    expect((await recordingsXml(bbb('deleteRecordings', { recordID: '123' }))).response).toMatchObject({ messageKey: 'notFound' });
    expect((await recordingsXml(bbb('deleteRecordings', { recordID: 'theirs' }))).response).toMatchObject({ messageKey: 'notFound' });
    expect((await recordingsXml(bbb('deleteRecordings', { recordID: 'theirs' }, { method: 'POST' }))).response.messageKey).toBe('unsupportedRequest');
    expect((await stateOf('theirs'))?.state).toBe('published');
  });

  it('removes the files of published AND unpublished recordings and their text tracks, then marks them deleted', async () => {
    await seed({ recordID: 'r1', metadata: { a: 'b' } });
    await seed({ recordID: 'r2', state: 'unpublished' });
    await seed({ recordID: 'r3' });
    await seed({ recordID: 'keep' });
    await putFiles('published', 'presentation', 'r1', { 'metadata.xml': 'x', 'a/b.png': 'y' });
    // A half-finished publish left files under both prefixes.
    await putFiles('unpublished', 'presentation', 'r1', { 'stale.png': 'z' });
    await putFiles('unpublished', 'presentation', 'r2', { 'metadata.xml': 'x' });
    await putFiles('unpublished', 'podcast', 'r2', { 'audio.ogg': 'x' });
    await putFiles('published', 'presentation', 'keep', { 'metadata.xml': 'x' });
    await bucket.put('texttracks/r2/subtitles_en.vtt', 'WEBVTT');

    const res = await recordingsXml(bbb('deleteRecordings', { recordID: 'r1,r2,r3' }));
    expect(res.response).toEqual({ returncode: 'SUCCESS', deleted: 'true' });
    expect(await keysUnder('')).toEqual(['published/presentation/keep/metadata.xml']);
    for (const id of ['r1', 'r2', 'r3']) expect(await stateOf(id)).toMatchObject({ state: 'deleted', published: false, metadata: {} });
    expect((await list({ state: 'deleted' })).list.map((r) => r.recordID).sort()).toEqual(['r1', 'r2', 'r3']);
    // Deleting again is harmless.
    expect((await recordingsXml(bbb('deleteRecordings', { recordID: 'r1' }))).response.deleted).toBe('true');
  });
});

describe('when R2 fails', () => {
  // The Worker with a bucket whose every operation fails.
  const broken = { ...env, RECORDINGS: new Proxy({}, { get: () => () => Promise.reject(new Error('R2 is down')) }) };
  const callBroken = async (call: string, params: Record<string, string>) => {
    const query = encode(params);
    const url = `${BASE}/bigbluebutton/api/${call}?${query}&checksum=${await hex('sha1', call + query + SECRET)}`;
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(url), broken, ctx);
    await waitOnExecutionContext(ctx);
    return (await recordingsXml(res)).response;
  };

  it('publish and delete answer Scalelite\'s internalError and leave the index as it was', async () => {
    await seed({ recordID: 'r1' });
    expect(await callBroken('publishRecordings', { recordID: 'r1', publish: 'false' })).toMatchObject({
      returncode: 'FAILED', messageKey: 'internalError', message: 'Unable to publish/unpublish recording.',
    });
    expect(await callBroken('deleteRecordings', { recordID: 'r1' })).toMatchObject({ messageKey: 'internalError', message: 'Unable to delete recording.' });
    expect(await stateOf('r1')).toMatchObject({ state: 'published', published: true });
  });
});

describe('text tracks', () => {
  const multipart = (file: string, name = 'file') => {
    const boundary = 'xYzBoundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="track.srt"\r\nContent-Type: application/octet-stream\r\n\r\n${file}\r\n--${boundary}--\r\n`;
    return { body, contentType: `multipart/form-data; boundary=${boundary}` };
  };
  const put = async (params: Record<string, string>, file: string, name?: string) => {
    const res = await bbb('putRecordingTextTrack', params, { method: 'POST', ...multipart(file, name) });
    expect(res.headers.get('content-type')).toContain('application/json');
    return ((await res.json()) as any).response;
  };
  const get = async (params: Record<string, string>, o: { checksum?: string } = {}) => ((await (await bbb('getRecordingTextTracks', params, o)).json()) as any).response;

  it('stores an upload in R2 (SRT converted to WebVTT) and lists it with a balancer URL', async () => {
    await seed({ recordID: 'r1' });
    expect(await get({ recordID: 'r1' })).toEqual({ returncode: 'SUCCESS', tracks: [] });
    const srt = '1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n';
    expect(await put({ recordID: 'r1', kind: 'subtitles', lang: 'en-US', label: 'English' }, srt)).toEqual({
      returncode: 'SUCCESS', messageKey: 'upload_text_track_success', message: 'Text track uploaded successfully', recordId: 'r1',
    });
    await put({ recordID: 'r1', kind: 'captions', lang: 'de' }, 'WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n');
    expect(await get({ recordID: 'r1' })).toEqual({
      returncode: 'SUCCESS',
      tracks: [
        { href: `${BASE}/texttracks/r1/captions_de.vtt`, kind: 'captions', label: 'de', lang: 'de', source: 'upload' },
        { href: `${BASE}/texttracks/r1/subtitles_en-US.vtt`, kind: 'subtitles', label: 'English', lang: 'en-US', source: 'upload' },
      ],
    });
    expect(await (await bucket.get('texttracks/r1/subtitles_en-US.vtt'))?.text()).toBe('WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello\n');
  });

  it('answers BBB\'s JSON errors', async () => {
    await seed({ recordID: 'r1' });
    await seed({ recordID: 'theirs', tenant: 'other' });
    expect(await get({})).toMatchObject({ returncode: 'FAILED', messageKey: 'paramError' });
    expect(await get({ recordID: 'nope' })).toMatchObject({ returncode: 'FAILED', messageKey: 'noRecordings' });
    expect(await get({ recordID: 'theirs' })).toMatchObject({ returncode: 'FAILED', messageKey: 'noRecordings' });
    expect(await get({ recordID: 'r1' }, { checksum: 'a'.repeat(40) })).toMatchObject({ returncode: 'FAILED', messageKey: 'checksumError' });
    expect(await put({ recordID: 'r1', kind: 'chapters', lang: 'en' }, 'x')).toMatchObject({ messageKey: 'invalidKind' });
    expect(await put({ recordID: 'r1', kind: 'subtitles', lang: 'en US!' }, 'x')).toMatchObject({ messageKey: 'invalidLang' });
    expect(await put({ recordID: 'r1', kind: 'subtitles', lang: 'en' }, '')).toMatchObject({ messageKey: 'empty_uploaded_text_track' });
    expect(await put({ recordID: 'r1', kind: 'subtitles', lang: 'en' }, 'x', 'other')).toMatchObject({ messageKey: 'empty_uploaded_text_track' });
    expect(await put({ recordID: 'r1', kind: 'subtitles' }, 'x')).toMatchObject({ messageKey: 'paramError' });
    const huge = await bbb('putRecordingTextTrack', { recordID: 'r1', kind: 'subtitles', lang: 'en' }, { method: 'POST', ...multipart('x'.repeat(8 * 1024 * 1024)) });
    expect(((await huge.json()) as any).response).toMatchObject({ returncode: 'FAILED', messageKey: 'validationError' });
    expect(await keysUnder('texttracks/')).toEqual([]);
    const disabled = await send(new Request(`${BASE}/bigbluebutton/api/getRecordingTextTracks?recordID=r1`), { RECORDING_DISABLED: 'true' });
    expect(((await disabled.json()) as any).response).toMatchObject({ returncode: 'FAILED', messageKey: 'noRecordings' });
  });
});
