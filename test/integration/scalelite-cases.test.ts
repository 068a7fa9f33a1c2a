// The rest of Scalelite's request spec cases for these calls (reference/scalelite.md §9.3) that
// the behaviour-focused files do not already cover: POST variants, empty values, load per join.
import { beforeEach, describe, expect, it } from 'vitest';
import { admin, bbb, call, encode, nodeCalls, registerServers, resetAll, runPoll } from './support';

beforeEach(resetAll);

async function lastParams(call: string): Promise<URLSearchParams> {
  const { recent } = await nodeCalls(0);
  return new URLSearchParams([...recent].reverse().find((r: { call: string }) => r.call === call).rawQuery);
}

describe("Scalelite's spec cases", () => {
  it('create, isMeetingRunning, getMeetingInfo, getMeetings and end as form POSTs (BBB canonical checksum)', async () => {
    await registerServers(1);
    // With the whole request in the body, the checksum covers BBB's canonical string: keys sorted.
    const { hex, SECRET, send, BASE, xml } = await import('./support');
    const post = async (name: string, params: Record<string, string>) => {
      const canonical = Object.keys(params).sort().map((k) => `${k}=${encodeURIComponent(params[k]!).replace(/%20/g, '+')}`).join('&');
      const checksum = await hex('sha1', name + canonical + SECRET);
      return xml(send(new Request(`${BASE}/bigbluebutton/api/${name}`, { method: 'POST', body: `${encode(params)}&checksum=${checksum}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })));
    };
    expect(await post('create', { meetingID: 'post-1', name: 'Post Room', moderatorPW: 'mp', attendeePW: 'ap' })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'post-1' });
    expect((await lastParams('create')).get('name')).toBe('Post Room');
    await runPoll();
    expect(await post('isMeetingRunning', { meetingID: 'post-1' })).toMatchObject({ returncode: 'SUCCESS', running: 'false' });
    expect(await post('getMeetingInfo', { meetingID: 'post-1' })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'post-1' });
    expect((await post('getMeetings', {})).meetings.meeting).toHaveLength(1);
    expect(await post('end', { meetingID: 'post-1', password: 'mp' })).toMatchObject({ returncode: 'SUCCESS', messageKey: 'sentEndMeetingRequest' });
  });

  it('an empty exclude list forwards params with empty values', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'empty-values', name: 'Room', test4: '', test2: '' });
    const sent = await lastParams('create');
    expect([sent.get('test4'), sent.get('test2')]).toEqual(['', '']);
  });

  it('each join adds 1 × the load multiplier until the next poll', async () => {
    const [id] = await registerServers(1, { multipliers: [7] });
    await call('create', { meetingID: 'load-join', name: 'Room' });
    const before = (await admin('getServerInfo', undefined, `id=${id}`)).json.load as number;
    for (const fullName of ['Ann', 'Bob']) expect((await bbb('join', { meetingID: 'load-join', fullName, role: 'VIEWER' })).status).toBe(302);
    expect((await admin('getServerInfo', undefined, `id=${id}`)).json.load).toBe(before + 14);
  });

  it('getMeetings includes meetings of cordoned servers', async () => {
    const [id] = await registerServers(1);
    await call('create', { meetingID: 'on-cordoned', name: 'Room' });
    await admin('updateServer', { id, server: { state: 'cordon' } });
    await runPoll();
    expect((await call('getMeetings')).meetings.meeting.map((m: { meetingID: string }) => m.meetingID)).toEqual(['on-cordoned']);
  });

  it('insertDocument without a meetingID: missingParamMeetingID', async () => {
    const body = '<modules><module name="presentation"><document url="https://example.com/a.pdf"/></module></modules>';
    expect(await call('insertDocument', {}, { method: 'POST', body, contentType: 'application/xml' })).toMatchObject({ messageKey: 'missingParamMeetingID' });
  });
});
