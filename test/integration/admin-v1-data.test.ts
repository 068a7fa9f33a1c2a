import { env } from 'cloudflare:workers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { enqueueRecordingReady, rememberMeetingCallbacks } from '../../src/store/callbacks';
import { call, encode, hex, nodes, registerServers, resetAll, resetTenants, runPoll, send, sim, xml } from './support';
import { bucket, putFiles, seed } from './recordings-api-support';
import { ADMIN_ENV, v1 } from './admin-v1-support';

const svc = services(env);

beforeEach(async () => {
  await resetAll();
  await resetTenants();
  await svc.sql.query(`DELETE FROM recordings`);
  await svc.sql.query(`DELETE FROM callback_deliveries`);
  await svc.sql.query(`DELETE FROM meeting_callbacks`);
});
// Other files delete tenants without clearing what references them: leave none behind.
afterAll(resetTenants);

describe('admin API v1: meetings', () => {
  it("list with each meeting's server (before and after a poll), info from the node, end through the BBB path", async () => {
    const [server] = await registerServers(1);
    await call('create', { meetingID: 'm-1', name: 'Room one', moderatorPW: 'mp' });
    const fresh = await v1('GET', '/meetings');
    expect(fresh.json).toMatchObject({ tenant: 'default', meetings: [{ meetingID: 'm-1', meetingName: 'Room one', server }] });
    await runPoll();
    const polled = await v1('GET', '/meetings?tenant=default');
    expect(polled.json.meetings).toEqual([expect.objectContaining({ meetingID: 'm-1', running: expect.any(Boolean), participantCount: 0, server })]);
    expect(polled.text).not.toContain('mp');

    const info = await v1('GET', '/meetings/m-1');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ tenant: 'default', meetingID: 'm-1', info: { returncode: 'SUCCESS', meetingID: 'm-1', meetingName: 'Room one' } });

    // Any meetingID, percent-encoded in the path.
    await call('create', { meetingID: 'room/2 x', name: 'Room two' });
    expect((await v1('GET', `/meetings/${encodeURIComponent('room/2 x')}`)).json.info.meetingName).toBe('Room two');
    expect((await v1('POST', `/meetings/${encodeURIComponent('room/2 x')}/end`)).status).toBe(200);

    expect(await v1('POST', '/meetings/m-1/end')).toMatchObject({ status: 200, json: { ok: true } });
    expect((await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings).toHaveLength(0);
    expect(await v1('GET', '/meetings/m-1')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await v1('POST', '/meetings/m-1/end')).toMatchObject({ status: 404 });
  });

  it('panic through v1 ends the meetings on the server', async () => {
    const [id] = await registerServers(1);
    await call('create', { meetingID: 'p-1', name: 'Room', moderatorPW: 'pw' });
    await call('create', { meetingID: 'p-2', name: 'Room', moderatorPW: 'pw' });
    const res = await v1('POST', `/servers/${id}/panic`, {});
    expect(res.json).toMatchObject({ meetingsEnded: 2, server: { state: 'disabled' } });
    expect((await v1('GET', '/meetings')).json.meetings).toEqual([]);
  });

  it('failures: unknown tenant 404, invalid meetingID 400, no meetings an empty list', async () => {
    expect(await v1('GET', '/meetings')).toMatchObject({ status: 200, json: { meetings: [] } });
    expect(await v1('GET', '/meetings?tenant=nope')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await v1('GET', '/meetings/a,b')).toMatchObject({ status: 400, json: { error: { code: 'validation_error', issues: [{ path: 'params.meetingID' }] } } });
    expect(await v1('GET', '/meetings?tenant=')).toMatchObject({ status: 400, json: { error: { code: 'validation_error' } } });
  });
});

describe('admin API v1: recordings', () => {
  it('paged list with filters; unpublish/publish move the files; delete removes them', async () => {
    for (const n of [1, 2, 3]) await seed({ recordID: `rec-${n}`, meetingID: n === 3 ? 'other' : 'room' });
    await putFiles('published', 'presentation', 'rec-1', { 'index.html': 'x' });

    const page = await v1('GET', '/recordings?limit=2');
    expect(page.json).toMatchObject({ total: 3, offset: 0, limit: 2 });
    expect(page.json.recordings.map((r: { recordID: string }) => r.recordID)).toEqual(['rec-3', 'rec-2']);
    expect((await v1('GET', '/recordings?limit=2&offset=2')).json.recordings.map((r: { recordID: string }) => r.recordID)).toEqual(['rec-1']);
    expect((await v1('GET', '/recordings?meetingID=room')).json.total).toBe(2);
    expect((await v1('GET', '/recordings?recordID=rec-')).json.total).toBe(3);
    expect((await v1('GET', '/recordings?recordID=rec-1')).json.recordings[0]).toMatchObject({ recordID: 'rec-1', state: 'published', formats: [{ format: 'presentation' }] });

    expect(await v1('POST', '/recordings/rec-1/unpublish')).toMatchObject({ status: 200, json: { ok: true } });
    expect(await bucket.head('unpublished/presentation/rec-1/index.html')).not.toBeNull();
    expect(await bucket.head('published/presentation/rec-1/index.html')).toBeNull();
    expect((await v1('GET', '/recordings?state=unpublished')).json.recordings.map((r: { recordID: string }) => r.recordID)).toEqual(['rec-1']);
    await v1('POST', '/recordings/rec-1/publish');
    expect(await bucket.head('published/presentation/rec-1/index.html')).not.toBeNull();

    expect(await v1('DELETE', '/recordings/rec-1')).toMatchObject({ status: 200, json: { ok: true } });
    expect(await bucket.head('published/presentation/rec-1/index.html')).toBeNull();
    expect((await v1('GET', '/recordings?state=deleted')).json.total).toBe(1);
  });

  it('failures: unknown recording 404, bad filters 400, unknown tenant 404', async () => {
    expect(await v1('POST', '/recordings/nope/publish')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await v1('DELETE', '/recordings/nope')).toMatchObject({ status: 404 });
    expect((await v1('GET', '/recordings?state=lost')).json.error.issues[0].path).toBe('query.state');
    expect((await v1('GET', '/recordings?limit=1000')).json.error.issues[0].path).toBe('query.limit');
    expect((await v1('GET', '/recordings?offset=-1')).status).toBe(400);
    expect((await v1('GET', '/recordings?tenant=nope')).status).toBe(404);
  });
});

describe('admin API v1: callback deliveries', () => {
  it('lists deliveries newest first, filtered by status, URLs without their query', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant: 'default', meetingID: 'm1', recordingReadyUrl: 'https://lms.example/ready?token=abc' });
    for (const recordID of ['r1', 'r2']) {
      const s = enqueueRecordingReady(svc.cfg.callbacks, { tenant: 'default', meetingID: 'm1', recordID });
      await svc.sql.transaction([svc.sql.query(s.text, s.params)]);
    }
    const all = await v1('GET', '/callbacks');
    expect(all.json.deliveries).toHaveLength(2);
    expect(all.json.deliveries[0]).toMatchObject({ kind: 'recording_ready', status: 'pending', url: 'https://lms.example/ready' });
    expect(all.text).not.toContain('token=abc');
    expect((await v1('GET', '/callbacks?status=delivered')).json.deliveries).toEqual([]);
    expect((await v1('GET', '/callbacks?status=pending&limit=1')).json.deliveries).toHaveLength(1);
    expect((await v1('GET', '/callbacks?status=bogus')).status).toBe(400);
  });
});

describe('admin API v1: another tenant (multitenancy on)', () => {
  const MT = { ...ADMIN_ENV, MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' };

  /** A BBB call from the tenant's LMS: its host, its secret. */
  async function lms(callName: string, params: Record<string, string>) {
    const query = encode(params);
    const url = `http://acme.lb.example.com/bigbluebutton/api/${callName}?${query}&checksum=${await hex('sha1', callName + query + 'acme-secret')}`;
    return xml(send(new Request(url), MT));
  }

  it("meetings and recordings are the tenant's own; the default tenant does not see them", async () => {
    await registerServers(1);
    const tenant = (await v1('POST', '/tenants', { name: 'acme', secrets: ['acme-secret'] }, { env: MT })).json.id as string;
    expect(await lms('create', { meetingID: 'shared-id', name: 'Acme room' })).toMatchObject({ returncode: 'SUCCESS' });
    await call('create', { meetingID: 'shared-id', name: 'Default room' });

    const own = await v1('GET', `/meetings?tenant=${tenant}`, undefined, { env: MT });
    expect(own.json.meetings).toEqual([expect.objectContaining({ meetingID: 'shared-id', meetingName: 'Acme room' })]);
    const info = await v1('GET', `/meetings/shared-id?tenant=${tenant}`, undefined, { env: MT });
    expect(info.json.info).toMatchObject({ meetingID: 'shared-id', meetingName: 'Acme room' });
    expect(await v1('POST', `/meetings/shared-id/end?tenant=${tenant}`, undefined, { env: MT })).toMatchObject({ status: 200 });
    expect((await v1('GET', `/meetings?tenant=${tenant}`, undefined, { env: MT })).json.meetings).toEqual([]);
    // The default tenant's meeting of the same id is untouched.
    expect((await v1('GET', '/meetings/shared-id', undefined, { env: MT })).json.info.meetingName).toBe('Default room');

    await seed({ recordID: 'acme-rec', tenant });
    expect((await v1('GET', `/recordings?tenant=${tenant}`, undefined, { env: MT })).json.total).toBe(1);
    expect((await v1('GET', '/recordings', undefined, { env: MT })).json.total).toBe(0);
    expect((await v1('POST', '/recordings/acme-rec/unpublish', undefined, { env: MT })).status).toBe(404);
    expect((await v1('POST', `/recordings/acme-rec/unpublish?tenant=${tenant}`, undefined, { env: MT })).status).toBe(200);
    // Without multitenancy only the default tenant exists for these endpoints.
    expect((await v1('GET', `/meetings?tenant=${tenant}`)).status).toBe(404);
  });
});
