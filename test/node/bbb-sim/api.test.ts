import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checksumFor } from '../../support/bbb-sim/checksum';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator';
import { call, childOrder, parse, query, signed, type SimNodeInfo } from './helpers';

let sim: Simulator;
let node: SimNodeInfo;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 1 });
  node = sim.nodes[0]!;
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

async function create(params: Record<string, string>) {
  return call(signed(node, 'create', query({ name: 'Room', ...params })));
}

/** join, then open the client URL the redirect points at; returns the redirect target. */
async function joinAndEnter(params: Record<string, string>): Promise<string> {
  const res = await fetch(signed(node, 'join', query(params)), { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect((await fetch(location)).status).toBe(200);
  return location;
}

describe('index', () => {
  it('answers without a checksum, with BBB headers', async () => {
    for (const url of [node.url, `${node.url}/`]) {
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toBe('text/xml;charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const body = await res.text();
      expect(childOrder(body)).toEqual(['returncode', 'version', 'apiVersion', 'bbbVersion', 'graphqlWebsocketUrl', 'graphqlApiUrl']);
      expect(parse(body)).toMatchObject({ returncode: 'SUCCESS', version: '2.0', bbbVersion: '3.0.12' });
    }
  });
});

describe('checksums over HTTP', () => {
  it('rejects a bad or duplicated checksum with checksumError, HTTP 200', async () => {
    const res = await fetch(`${node.url}/getMeetings?checksum=${'0'.repeat(40)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      '<response>\n<returncode>FAILED</returncode>\n<messageKey>checksumError</messageKey>\n<message>Checksums do not match</message>\n</response>',
    );
    const sum = checksumFor('getMeetings', '', node.secret);
    expect(await call(`${node.url}/getMeetings?checksum=${sum}&checksum=${sum}`)).toMatchObject({ messageKey: 'checksumError' });
  });

  it('accepts all four algorithms unless the node is configured otherwise', async () => {
    for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      expect(await call(signed(node, 'getMeetings', '', algorithm))).toMatchObject({ returncode: 'SUCCESS' });
    }
    sim.node(node.id).configure({ algorithms: ['sha256'] });
    expect(await call(signed(node, 'getMeetings'))).toMatchObject({ messageKey: 'checksumError' });
    expect(await call(signed(node, 'getMeetings', '', 'sha256'))).toMatchObject({ returncode: 'SUCCESS' });
  });

  it('checks a form POST with an empty query string against the sorted, URLEncoder-encoded parameters', async () => {
    const form = 'name=My Room*&meetingID=post~1';
    const sum = checksumFor('create', 'meetingID=post%7E1&name=My+Room*', node.secret);
    const res = await fetch(`${node.url}/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${encodeURI(form)}&checksum=${sum}`,
    });
    expect(parse(await res.text())).toMatchObject({ returncode: 'SUCCESS', meetingID: 'post~1' });
    expect(sim.node(node.id).meeting('post~1').name).toBe('My Room*');
  });

  it('signs only the query string when there is one, even if the body adds parameters', async () => {
    const url = signed(node, 'create', query({ meetingID: 'q1', name: 'From query' }));
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'record=true',
    });
    expect(parse(await res.text())).toMatchObject({ returncode: 'SUCCESS' });
    expect(sim.node(node.id).meeting('q1').recording).toBe(true);
  });
});

describe('create', () => {
  it('answers in create-meeting.ftlx order, internal ID sha1(meetingID)-createTime, generated passwords and bridge', async () => {
    const res = await fetch(signed(node, 'create', query({ name: 'Room', meetingID: 'm1' })));
    const body = await res.text();
    expect(childOrder(body)).toEqual([
      'returncode', 'meetingID', 'internalMeetingID', 'parentMeetingID', 'attendeePW', 'moderatorPW', 'createTime',
      'voiceBridge', 'dialNumber', 'createDate', 'hasUserJoined', 'duration', 'hasBeenForciblyEnded', 'messageKey', 'message',
    ]);
    const r = parse(body);
    expect(r.internalMeetingID).toBe(`${createHash('sha1').update('m1').digest('hex')}-${r.createTime}`);
    expect(r).toMatchObject({ parentMeetingID: 'bbb-none', hasUserJoined: 'false', duration: '0', messageKey: '', message: '' });
    expect(r.attendeePW).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(r.voiceBridge).toMatch(/^\d{5}$/);
    expect(r.createDate).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}$/);
  });

  it('is idempotent: duplicateWarning with the same createTime and internal ID', async () => {
    const first = await create({ meetingID: 'm1', attendeePW: 'ap', moderatorPW: 'mp' });
    for (const repeat of [{ attendeePW: 'ap', moderatorPW: 'mp' }, {}] as Record<string, string>[]) {
      const again = await create({ meetingID: 'm1', ...repeat });
      expect(again).toMatchObject({
        returncode: 'SUCCESS',
        messageKey: 'duplicateWarning',
        message: 'This conference was already in existence and may currently be in progress.',
        createTime: first.createTime,
        internalMeetingID: first.internalMeetingID,
        voiceBridge: first.voiceBridge,
      });
    }
  });

  it('refuses other passwords for a running meeting with idNotUnique', async () => {
    await create({ meetingID: 'm1', attendeePW: 'ap', moderatorPW: 'mp' });
    for (const other of [{ attendeePW: 'x', moderatorPW: 'mp' }, { attendeePW: 'ap' }] as Record<string, string>[]) {
      expect(await create({ meetingID: 'm1', ...other })).toEqual({
        returncode: 'FAILED',
        messageKey: 'idNotUnique',
        message: 'A meeting already exists with that meeting ID.  Please use a different meeting ID.',
      });
    }
  });

  it('validates meetingID and name as BBB does', async () => {
    const fails = async (params: Record<string, string>) => call(signed(node, 'create', query(params)));
    expect(await fails({ name: 'Room' })).toMatchObject({ messageKey: 'missingParamMeetingID', message: 'You must provide a meeting ID' });
    expect(await fails({ name: 'Room', meetingID: 'a' })).toMatchObject({ messageKey: 'validationError', message: 'Meeting ID must be between 2 and 256 characters' });
    expect(await fails({ name: 'Room', meetingID: 'a,b' })).toMatchObject({ messageKey: 'validationError', message: "Meeting ID cannot contain ','" });
    expect(await fails({ meetingID: 'm1' })).toMatchObject({ messageKey: 'validationError', message: 'You must provide a meeting name' });
    expect(await fails({ name: 'Room', meetingID: 'm1', record: 'yes' })).toMatchObject({ messageKey: 'validationError' });
    expect(await fails({ name: 'Room', meetingID: 'b1', isBreakout: 'true' })).toMatchObject({ messageKey: 'parentMeetingIdMissing' });
  });

  it('keeps client voice bridges and refuses one in use by another meeting', async () => {
    expect(await create({ meetingID: 'm1', voiceBridge: '12345' })).toMatchObject({ voiceBridge: '12345' });
    const clash = await fetch(signed(node, 'create', query({ name: 'Room', meetingID: 'm2', voiceBridge: '12345' })));
    const body = await clash.text();
    expect(body).toContain('<errors>\n<error>\n<key>nonUniqueVoiceBridge</key>\n<message>The selected voice bridge is already in use.</message>');
    expect(parse(body).returncode).toBe('FAILED');
  });

  it('stores valid meta_ parameters lowercased and drops invalid names', async () => {
    await create({ meetingID: 'm1', 'meta_endCallbackUrl': 'https://x/end?a=1&b=<2>', 'meta_bbb-origin': 'Greenlight', meta__bad: 'x', 'meta_1x': 'y' });
    expect(sim.node(node.id).meeting('m1').metadata).toEqual({ endcallbackurl: 'https://x/end?a=1&b=<2>', 'bbb-origin': 'Greenlight' });
    const info = await fetch(signed(node, 'getMeetingInfo', query({ meetingID: 'm1' })));
    expect(await info.text()).toContain('<endcallbackurl>https://x/end?a=1&amp;b=&lt;2&gt;</endcallbackurl>');
  });

  it('records an XML <modules> body, whether application/xml or text/xml', async () => {
    const modules = '<modules><module name="presentation"><document url="https://x/a.pdf" filename="a.pdf"/></module></modules>';
    for (const [id, type] of [['x1', 'application/xml'], ['x2', 'text/xml; charset=utf-8']] as const) {
      const res = await fetch(signed(node, 'create', query({ name: 'Room', meetingID: id })), {
        method: 'POST',
        headers: { 'Content-Type': type },
        body: modules,
      });
      expect(parse(await res.text()).returncode).toBe('SUCCESS');
      expect(sim.node(node.id).meeting(id).documents).toMatchObject([{ call: 'create', contentType: type, body: modules }]);
    }
  });

  it('refuses a POST body of an unsupported type', async () => {
    const res = await fetch(signed(node, 'create', query({ name: 'Room', meetingID: 'm1' })), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(parse(await res.text())).toEqual({
      returncode: 'FAILED',
      messageKey: 'unsupportedContentType',
      message: 'POST request Content-Type is missing or unsupported',
    });
  });

  it('links breakout rooms to their parent and ends them with it', async () => {
    const parent = await create({ meetingID: 'parent' });
    await create({ meetingID: 'child', isBreakout: 'true', parentMeetingID: parent.internalMeetingID, sequence: '2' });
    const info = await fetch(signed(node, 'getMeetingInfo', query({ meetingID: 'child' })));
    const childXml = await info.text();
    expect(childOrder(childXml).slice(-4)).toEqual(['isBreakout', 'parentMeetingID', 'sequence', 'freeJoin']);
    expect(parse(childXml)).toMatchObject({ isBreakout: 'true', parentMeetingID: parent.internalMeetingID, sequence: '2' });
    const child = sim.node(node.id).meeting('child');
    expect(sim.node(node.id).meeting('parent').breakoutRooms).toEqual([child.internalMeetingID]);
    await call(signed(node, 'end', query({ meetingID: 'parent' })));
    expect(sim.node(node.id).meetings()).toEqual([]);
  });
});

describe('join', () => {
  it('redirects to the node client, and opening it makes the user appear', async () => {
    const created = await create({ meetingID: 'm1', moderatorPW: 'mp', attendeePW: 'ap' });
    expect(await call(signed(node, 'isMeetingRunning', query({ meetingID: 'm1' })))).toMatchObject({ running: 'false' });

    const res = await fetch(signed(node, 'join', query({ meetingID: 'm1', fullName: 'Ann <A>', password: 'mp', createTime: created.createTime, userID: 'ext-1', 'userdata-bbb_auto_join_audio': 'true' })), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toMatch(/^JSESSIONID=[0-9A-F]{32}; Path=\/; HttpOnly$/);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${node.port}/html5client/join\\?sessionToken=[a-z0-9]{16}$`));
    expect(sim.node(node.id).meeting('m1')).toMatchObject({ participantCount: 0, pendingJoins: 1 });

    expect((await fetch(location)).status).toBe(200);
    const info = await fetch(signed(node, 'getMeetingInfo', query({ meetingID: 'm1' })));
    const xml = await info.text();
    expect(xml).toContain('<fullName>Ann &lt;A&gt;</fullName>');
    expect(xml).toContain('<customdata>\n<bbb_auto_join_audio>true</bbb_auto_join_audio>\n</customdata>');
    expect(parse(xml)).toMatchObject({
      running: 'true',
      hasUserJoined: 'true',
      participantCount: '1',
      moderatorCount: '1',
      attendees: { attendee: { userID: 'ext-1', role: 'MODERATOR', isPresenter: 'true', clientType: 'HTML5' } },
    });
    expect(await call(signed(node, 'isMeetingRunning', query({ meetingID: 'm1' })))).toMatchObject({ running: 'true' });
    // A session token enters once.
    await fetch(location);
    expect(sim.node(node.id).meeting('m1').participantCount).toBe(1);
  });

  it('takes role instead of a password, case-insensitively', async () => {
    await create({ meetingID: 'm1' });
    await joinAndEnter({ meetingID: 'm1', fullName: 'V', role: 'viewer' });
    expect(sim.node(node.id).meeting('m1').attendees).toMatchObject([{ role: 'VIEWER', isPresenter: false }]);
  });

  it('answers successfullyJoined XML with redirect=false', async () => {
    const created = await create({ meetingID: 'm1' });
    const res = await fetch(signed(node, 'join', query({ meetingID: 'm1', fullName: 'X', role: 'MODERATOR', redirect: 'false' })));
    const body = await res.text();
    expect(childOrder(body)).toEqual(['returncode', 'messageKey', 'message', 'meeting_id', 'user_id', 'auth_token', 'session_token', 'guestStatus', 'url']);
    const r = parse(body);
    expect(r).toMatchObject({ returncode: 'SUCCESS', messageKey: 'successfullyJoined', meeting_id: created.internalMeetingID, guestStatus: 'ALLOW' });
    expect(r.url).toBe(`http://127.0.0.1:${node.port}/html5client/join?sessionToken=${r.session_token}`);
    expect(r.user_id).toMatch(/^w_[a-z0-9]{12}$/);
  });

  it('reports errors as XML with redirect=false', async () => {
    const created = await create({ meetingID: 'm1', attendeePW: 'ap', moderatorPW: 'mp' });
    const join = (params: Record<string, string>) => call(signed(node, 'join', query({ redirect: 'false', ...params })));
    expect(await join({ meetingID: 'nope', fullName: 'X', role: 'VIEWER' })).toEqual({
      returncode: 'FAILED', messageKey: 'notFound', message: 'A meeting with that ID does not exist',
    });
    expect(await join({ meetingID: 'm1', fullName: 'X', role: 'VIEWER', createTime: String(Number(created.createTime) + 1) })).toEqual({
      returncode: 'FAILED', messageKey: 'mismatchCreateTimeParam', message: 'The createTime parameter submitted mismatches with the current meeting.',
    });
    expect(await join({ meetingID: 'm1', role: 'VIEWER' })).toMatchObject({ messageKey: 'missingParamFullName' });
    expect(await join({ meetingID: 'm1', fullName: 'X', password: 'wrong' })).toEqual({
      returncode: 'FAILED', messageKey: 'Params required', message: 'You must enter a valid password',
    });
    expect(await join({ meetingID: 'm1', fullName: 'X' })).toMatchObject({ messageKey: 'Params required' });
  });

  it('redirects errors to the logout URL with ?errors= by default', async () => {
    const res = await fetch(signed(node, 'join', query({ meetingID: 'nope', fullName: 'X', role: 'VIEWER', logoutURL: 'https://lms.example/bye?x=1' })), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith('https://lms.example/bye?x=1&errors=[')).toBe(true);
    expect(JSON.parse(decodeURIComponent(new URL(location).searchParams.get('errors')!))).toEqual([
      { key: 'notFound', message: 'A meeting with that ID does not exist' },
    ]);
    const bad = await fetch(`${node.url}/join?meetingID=m1&fullName=X&role=VIEWER&checksum=${'0'.repeat(40)}`, { redirect: 'manual' });
    expect(bad.headers.get('location')).toContain(`http://127.0.0.1:${node.port}?errors=[%7B%22key%22:%22checksumError%22`);
  });

  it('is GET only', async () => {
    await create({ meetingID: 'm1' });
    const res = await fetch(signed(node, 'join', query({ meetingID: 'm1', fullName: 'X', role: 'VIEWER' })), { method: 'POST' });
    expect(res.status).toBe(405);
  });

  it('enforces maxParticipants on unique user IDs', async () => {
    await create({ meetingID: 'm1', maxParticipants: '1' });
    await joinAndEnter({ meetingID: 'm1', fullName: 'A', role: 'VIEWER', userID: 'u1' });
    expect(await call(signed(node, 'join', query({ meetingID: 'm1', fullName: 'B', role: 'VIEWER', redirect: 'false' })))).toMatchObject({ messageKey: 'maxParticipantsReached' });
    expect(await call(signed(node, 'join', query({ meetingID: 'm1', fullName: 'A again', role: 'VIEWER', userID: 'u1', redirect: 'false' })))).toMatchObject({ returncode: 'SUCCESS' });
  });
});

describe('end, isMeetingRunning, getMeetingInfo, getMeetings', () => {
  it('ends a meeting so it is gone everywhere', async () => {
    await create({ meetingID: 'm1', moderatorPW: 'mp' });
    await joinAndEnter({ meetingID: 'm1', fullName: 'A', role: 'MODERATOR' });
    expect(await call(signed(node, 'end', query({ meetingID: 'm1', password: 'bad' })))).toMatchObject({ messageKey: 'invalidPassword' });
    const ended = await call(signed(node, 'end', query({ meetingID: 'm1' })));
    expect(ended).toMatchObject({ returncode: 'SUCCESS', messageKey: 'sentEndMeetingRequest' });
    expect(ended.message).toMatch(/^A request to end the meeting was sent\./);
    expect(await call(signed(node, 'isMeetingRunning', query({ meetingID: 'm1' })))).toEqual({ returncode: 'SUCCESS', running: 'false' });
    expect(await call(signed(node, 'getMeetingInfo', query({ meetingID: 'm1' })))).toEqual({
      returncode: 'FAILED', messageKey: 'notFound', message: 'A meeting with that ID does not exist',
    });
    expect(await call(signed(node, 'end', query({ meetingID: 'm1' })))).toMatchObject({ messageKey: 'notFound' });
    expect(await call(signed(node, 'getMeetings'))).toMatchObject({ messageKey: 'noMeetings' });
  });

  it('accepts end with a form POST', async () => {
    await create({ meetingID: 'm1' });
    const sum = checksumFor('end', 'meetingID=m1', node.secret);
    const res = await fetch(`${node.url}/end`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `meetingID=m1&checksum=${sum}`,
    });
    expect(parse(await res.text())).toMatchObject({ messageKey: 'sentEndMeetingRequest' });
  });

  it('needs a meetingID', async () => {
    for (const name of ['isMeetingRunning', 'getMeetingInfo', 'end']) {
      expect(await call(signed(node, name))).toMatchObject({ messageKey: 'missingParamMeetingID' });
    }
  });

  it('renders getMeetingInfo in get-meeting-info.ftlx order', async () => {
    await create({ meetingID: 'm1', 'meta_bbb-origin': 'x' });
    const xml = await (await fetch(signed(node, 'getMeetingInfo', query({ meetingID: 'm1' })))).text();
    expect(childOrder(xml)).toEqual([
      'returncode', 'meetingName', 'meetingID', 'internalMeetingID', 'createTime', 'createDate', 'voiceBridge', 'dialNumber',
      'attendeePW', 'moderatorPW', 'running', 'duration', 'hasUserJoined', 'recording', 'hasBeenForciblyEnded', 'startTime',
      'endTime', 'participantCount', 'listenerCount', 'voiceParticipantCount', 'videoCount', 'maxUsers', 'moderatorCount',
      'attendees', 'metadata', 'isBreakout',
    ]);
  });

  it('lists meetings with the same fields, or <meetings/> and noMeetings', async () => {
    const empty = await (await fetch(signed(node, 'getMeetings'))).text();
    expect(empty).toBe('<response>\n<returncode>SUCCESS</returncode>\n<meetings/>\n<messageKey>noMeetings</messageKey>\n<message>no meetings were found on this server</message>\n</response>');
    await create({ meetingID: 'm1' });
    await create({ meetingID: 'm2' });
    const xml = await (await fetch(signed(node, 'getMeetings'))).text();
    expect(childOrder(xml)).toEqual(['returncode', 'meetings']);
    expect(childOrder(xml, 'meeting')).toContain('attendees');
    expect(parse(xml).meetings.meeting.map((m: { meetingID: string }) => m.meetingID)).toEqual(['m1', 'm2']);
  });
});

describe('insertDocument', () => {
  const doc = '<modules><module name="presentation"><document url="https://x/b.pdf"/></module></modules>';
  const insert = (meetingID: string, type: string, body?: string) =>
    fetch(signed(node, 'insertDocument', query({ meetingID })), { method: 'POST', headers: { 'Content-Type': type }, body });

  it('records the document and answers as BBB', async () => {
    await create({ meetingID: 'm1' });
    expect(parse(await (await insert('m1', 'application/xml', doc)).text())).toEqual({ returncode: 'SUCCESS', message: 'Presentation is being uploaded' });
    expect(sim.node(node.id).meeting('m1').documents).toMatchObject([{ call: 'insertDocument', body: doc }]);
    expect(parse(await (await insert('zz', 'text/xml', doc)).text())).toEqual({ returncode: 'FAILED', message: 'Meeting with id [zz] not found.' });
  });

  it('takes XML bodies only, and POST only', async () => {
    await create({ meetingID: 'm1' });
    expect(parse(await (await insert('m1', 'application/x-www-form-urlencoded', 'a=b')).text())).toMatchObject({ messageKey: 'unsupportedContentType' });
    expect((await fetch(signed(node, 'insertDocument', query({ meetingID: 'm1' })))).status).toBe(405);
  });
});

describe('anything else', () => {
  it('answers unsupportedRequest with HTTP 200', async () => {
    const res = await fetch(signed(node, 'getRecordings'));
    expect(res.status).toBe(200);
    expect(parse(await res.text())).toEqual({ returncode: 'FAILED', messageKey: 'unsupportedRequest', message: 'This request is not supported.' });
  });
});
