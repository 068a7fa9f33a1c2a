// Multitenancy: tenants by host, several secrets each, the same meetingID in two tenants on one
// pool, and every endpoint refusing another tenant's meetings and recordings.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { IngestClient } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { insertTenant, updateTenant } from '../../src/store/tenants';
import { invalidateTenants } from '../../src/tenancy/tenant-cache';
import { recordingFixture } from '../support/recordings-ingest-fixture';
import { BASE, encode, hex, nodeCalls, nodes, registerServers, resetAll, resetTenants, runPoll, send, SECRET, sim, xml, type Xml } from './support';
import { resetRecordings, seed } from './recordings-api-support';
import { clearReceiver, received, receiver, resetCallbacks } from './callbacks-support';

const MT = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' };
const tenants: Record<string, { id: string; secret: string }> = {};

async function addTenant(name: string, secret: string) {
  const row = await insertTenant(services(env).sql, { name, secrets: [secret] });
  tenants[name] = { id: row!.id, secret };
  invalidateTenants();
}

/** A BBB call on a tenant's host, signed with the given secret (the tenant's own by default). */
function tbbb(host: string, call: string, params: Record<string, string>, secret = tenants[host]?.secret ?? SECRET): Promise<Response> {
  return (async () => {
    const query = encode(params);
    const checksum = await hex('sha1', call + query + secret);
    const url = `http://${host}.lb.example.com/bigbluebutton/api/${call}?${query}${query ? '&' : ''}checksum=${checksum}`;
    return send(new Request(url, { redirect: 'manual' }), MT);
  })();
}
const tcall = async (host: string, call: string, params: Record<string, string> = {}, secret?: string): Promise<Xml> =>
  xml(tbbb(host, call, params, secret));

beforeEach(async () => {
  await resetAll();
  await resetRecordings();
  await resetCallbacks(services(env).sql);
  await resetTenants();
  await addTenant('alpha', 'alpha-secret-1');
  await addTenant('beta', 'beta-secret-1');
});

describe('tenants by host', () => {
  it('a tenant answers with its own secrets only; unknown hosts and other tenants\' secrets are checksumError', async () => {
    await registerServers(1);
    expect(await tcall('alpha', 'getMeetings')).toMatchObject({ returncode: 'SUCCESS' });
    expect(await tcall('alpha', 'getMeetings', {}, 'beta-secret-1')).toMatchObject({ messageKey: 'checksumError' });
    expect(await tcall('alpha', 'getMeetings', {}, SECRET)).toMatchObject({ messageKey: 'checksumError' });
    expect(await tcall('gamma', 'getMeetings', {}, SECRET)).toMatchObject({ messageKey: 'checksumError' });
  });

  it('secret rotation: add the new secret, switch the LMS, remove the old one, with no failed call', async () => {
    await registerServers(1);
    const sql = services(env).sql;
    const results: string[] = [];
    const poll = async (secret: string) => results.push((await tcall('alpha', 'getMeetings', {}, secret)).returncode);
    await poll('alpha-secret-1');
    await updateTenant(sql, tenants.alpha!.id, { addSecrets: ['alpha-secret-2'] });
    invalidateTenants();
    await poll('alpha-secret-1');
    await poll('alpha-secret-2');
    await updateTenant(sql, tenants.alpha!.id, { removeSecrets: ['alpha-secret-1'] });
    invalidateTenants();
    await poll('alpha-secret-2');
    expect(results).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await tcall('alpha', 'getMeetings', {}, 'alpha-secret-1')).toMatchObject({ messageKey: 'checksumError' });
  });
});

describe('isolation', () => {
  it('the same meetingID runs in two tenants without collision, each under its own ID', async () => {
    await registerServers(2);
    const a = await tcall('alpha', 'create', { meetingID: 'room-1', name: 'Alpha room' });
    const b = await tcall('beta', 'create', { meetingID: 'room-1', name: 'Beta room' });
    expect(a).toMatchObject({ returncode: 'SUCCESS', meetingID: 'room-1' });
    expect(b).toMatchObject({ returncode: 'SUCCESS', meetingID: 'room-1' });
    expect(a.internalMeetingID).not.toBe(b.internalMeetingID);
    const onNodes = (await Promise.all(nodes.slice(0, 2).map(async (n) => (await sim(`/nodes/${n.id}/meetings`)).meetings))).flat();
    expect(onNodes.map((m: Xml) => m.meetingID).sort()).toEqual([`${tenants.alpha!.id}~room-1`, `${tenants.beta!.id}~room-1`].sort());
    expect(await tcall('alpha', 'getMeetingInfo', { meetingID: 'room-1' })).toMatchObject({ meetingID: 'room-1', meetingName: 'Alpha room' });
    expect(await tcall('beta', 'getMeetingInfo', { meetingID: 'room-1' })).toMatchObject({ meetingID: 'room-1', meetingName: 'Beta room' });
    await runPoll(MT);
    for (const t of ['alpha', 'beta']) {
      const listed = (await tcall(t, 'getMeetings')).meetings.meeting as Xml[];
      expect(listed.map((m) => [m.meetingID, m.meetingName])).toEqual([['room-1', t === 'alpha' ? 'Alpha room' : 'Beta room']]);
    }
    // Ending one leaves the other running.
    expect(await tcall('alpha', 'end', { meetingID: 'room-1' })).toMatchObject({ returncode: 'SUCCESS' });
    expect(await tcall('beta', 'getMeetingInfo', { meetingID: 'room-1' })).toMatchObject({ returncode: 'SUCCESS', meetingName: 'Beta room' });
  });

  it('a join goes to the node under the scoped ID', async () => {
    await registerServers(1);
    await tcall('alpha', 'create', { meetingID: 'room-j', name: 'Alpha room' });
    const res = await tbbb('alpha', 'join', { meetingID: 'room-j', fullName: 'Ann', role: 'VIEWER' });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('meetingID')).toBe(`${tenants.alpha!.id}~room-j`);
  });

  it('no endpoint reaches another tenant\'s meeting', async () => {
    await registerServers(1);
    await tcall('alpha', 'create', { meetingID: 'a-only', name: 'Alpha room' });
    await runPoll(MT);
    expect(await tcall('beta', 'join', { meetingID: 'a-only', fullName: 'Eve', role: 'VIEWER' })).toMatchObject({ messageKey: 'notFound' });
    expect(await tcall('beta', 'getMeetingInfo', { meetingID: 'a-only' })).toMatchObject({ messageKey: 'notFound' });
    expect(await tcall('beta', 'isMeetingRunning', { meetingID: 'a-only' })).toMatchObject({ running: 'false' });
    expect(await tcall('beta', 'end', { meetingID: 'a-only' })).toMatchObject({ messageKey: 'notFound' });
    expect(await tcall('beta', 'getMeetings')).toMatchObject({ messageKey: 'noMeetings' });
    const doc = await send(
      new Request(
        `http://beta.lb.example.com/bigbluebutton/api/insertDocument?meetingID=a-only&checksum=${await hex('sha1', `insertDocumentmeetingID=a-only${tenants.beta!.secret}`)}`,
        { method: 'POST', body: '<modules/>', headers: { 'Content-Type': 'application/xml' } },
      ),
      MT,
    );
    expect(await doc.text()).toContain('<messageKey>notFound</messageKey>');
    // A beta create of the same ID is beta's own meeting, not a way into alpha's.
    expect(await tcall('beta', 'create', { meetingID: 'a-only', name: 'Beta room' })).toMatchObject({ returncode: 'SUCCESS' });
    expect(await tcall('alpha', 'getMeetingInfo', { meetingID: 'a-only' })).toMatchObject({ meetingName: 'Alpha room' });
    expect((await nodeCalls(0)).counts.end ?? 0).toBe(0);
  });

  it("a tenant's end callback is relayed when the node calls back on URL_HOST, signed for that tenant only", async () => {
    await registerServers(1);
    await clearReceiver();
    const env = { ...MT, CALLBACK_ALLOW_PRIVATE_URLS: 'true' };
    const query = encode({ meetingID: 'cb-t', name: 'Room', meta_endCallbackUrl: `${receiver}/tenant-ended` });
    const checksum = await hex('sha1', `create${query}${tenants.alpha!.secret}`);
    await send(new Request(`http://alpha.lb.example.com/bigbluebutton/api/create?${query}&checksum=${checksum}`), env);
    const meeting = await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(`${tenants.alpha!.id}~cb-t`)}`);
    const given = meeting.params.meta_endCallbackUrl as string;
    expect(new URL(given).host).toBe('lb.example.com');
    expect((await send(new Request(`${given}?meetingID=cb-t`), env)).status).toBe(200);
    expect(await received('/tenant-ended')).toHaveLength(1);
  });

  it("a node's upload of a tenant's recording is indexed for that tenant under the frontend's meetingID", async () => {
    const sql = services(env).sql;
    await sql.query('DELETE FROM recording_uploads');
    await sql.query("DELETE FROM servers WHERE id = 'node-t'");
    await insertServer(sql, { id: 'node-t', url: 'https://node-t.example.com/bigbluebutton/api', secret: 'node-t-secret', tag: null, loadMultiplier: 1 });
    invalidateServers();
    const recordId = `${'cd'.repeat(20)}-${Date.now()}`;
    const upload = recordingFixture({ recordId, meetingId: `${tenants.alpha!.id}~room-9` }).map((f) => ({ ...f, data: new Blob([f.data]) }));
    const client = new IngestClient({ baseUrl: BASE, serverId: 'node-t', secret: 'node-t-secret', send: (req) => send(req, MT), partSize: 5 * 1024 * 1024 });
    await client.uploadRecording(recordId, upload);
    const [rec] = (await sql.query('SELECT tenant_id, meeting_id FROM recordings WHERE record_id = $1', [recordId])) as any[];
    expect(rec).toEqual({ tenant_id: tenants.alpha!.id, meeting_id: 'room-9' });
    expect((await tcall('alpha', 'getRecordings', { meetingID: 'room-9' })).recordings.recording.recordID).toBe(recordId);
    expect(await tcall('beta', 'getRecordings', { meetingID: 'room-9' })).toMatchObject({ messageKey: 'noRecordings' });
  });

  it('no endpoint reaches another tenant\'s recordings', async () => {
    await seed({ recordID: 'rec-a', meetingID: 'room-1', tenant: tenants.alpha!.id });
    expect((await tcall('alpha', 'getRecordings', { meetingID: 'room-1' })).recordings.recording.recordID).toBe('rec-a');
    expect(await tcall('beta', 'getRecordings', { meetingID: 'room-1' })).toMatchObject({ messageKey: 'noRecordings' });
    expect(await tcall('beta', 'getRecordings', { recordID: 'rec-a' })).toMatchObject({ messageKey: 'noRecordings' });
    expect(await tcall('beta', 'publishRecordings', { recordID: 'rec-a', publish: 'false' })).toMatchObject({ messageKey: 'notFound' });
    expect(await tcall('beta', 'updateRecordings', { recordID: 'rec-a', meta_x: 'y' })).toMatchObject({ updated: 'false' });
    expect(await tcall('beta', 'deleteRecordings', { recordID: 'rec-a' })).toMatchObject({ messageKey: 'notFound' });
    const play = await send(new Request('http://beta.lb.example.com/playback/presentation/2.3/rec-a'), MT);
    expect(play.status).toBe(404);
    expect((await tcall('alpha', 'getRecordings', { recordID: 'rec-a' })).recordings.recording.published).toBe('true');
  });
});

describe('tenant policies and limits', () => {
  const settings = (name: string, value: object) => updateTenant(services(env).sql, tenants[name]!.id, { settings: value }).then(invalidateTenants);

  it('create and join params: block, defaults, overrides and maximums, on top of the global policy', async () => {
    await registerServers(1);
    await settings('alpha', {
      create: { block: ['logoutURL'], defaults: { welcome: 'Hi' }, overrides: { record: 'false' }, max: { duration: 60, maxParticipants: 50 } },
      join: { defaults: {}, overrides: { 'userdata-bbb_auto_join_audio': 'true' }, block: [], max: {} },
    });
    await tcall('alpha', 'create', { meetingID: 'pol-1', name: 'Room', logoutURL: 'https://lms', record: 'true', duration: '600' });
    const sent = (await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(`${tenants.alpha!.id}~pol-1`)}`)).params;
    expect(sent).toMatchObject({ welcome: 'Hi', record: 'false', duration: '60', maxParticipants: '50' });
    expect(sent.logoutURL).toBeUndefined();
    const join = await tbbb('alpha', 'join', { meetingID: 'pol-1', fullName: 'Ann', role: 'VIEWER' });
    expect(new URL(join.headers.get('location')!).searchParams.get('userdata-bbb_auto_join_audio')).toBe('true');
    // Beta is not affected.
    await tcall('beta', 'create', { meetingID: 'pol-1', name: 'Room', logoutURL: 'https://lms', duration: '600' });
    const betaSent = (await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(`${tenants.beta!.id}~pol-1`)}`)).params;
    expect(betaSent).toMatchObject({ logoutURL: 'https://lms', duration: '600' });
  });

  it('a tenant pinned to its own servers by tag', async () => {
    await registerServers(2, { tags: [null, 'gold'] });
    await settings('alpha', { serverTag: 'gold!' });
    for (const id of ['t-1', 't-2', 't-3']) await tcall('alpha', 'create', { meetingID: id, name: 'Room' });
    expect((await sim(`/nodes/${nodes[1]!.id}/meetings`)).meetings).toHaveLength(3);
    expect((await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings).toHaveLength(0);
  });

  it('concurrent meeting and attendee limits refuse new meetings with a clear messageKey', async () => {
    await registerServers(1);
    await settings('alpha', { limits: { meetings: 1 } });
    expect(await tcall('alpha', 'create', { meetingID: 'lim-1', name: 'Room' })).toMatchObject({ returncode: 'SUCCESS' });
    // Re-creating a running meeting is not a new one.
    expect(await tcall('alpha', 'create', { meetingID: 'lim-1', name: 'Room' })).toMatchObject({ returncode: 'SUCCESS' });
    expect(await tcall('alpha', 'create', { meetingID: 'lim-2', name: 'Room' })).toMatchObject({ messageKey: 'maxMeetingsReached' });
    expect(await tcall('beta', 'create', { meetingID: 'lim-2', name: 'Room' })).toMatchObject({ returncode: 'SUCCESS' });
    await settings('alpha', { limits: { attendees: 2 } });
    for (const name of ['Ann', 'Bob']) {
      await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(`${tenants.alpha!.id}~lim-1`)}/users`, { body: { fullName: name } });
    }
    await runPoll(MT);
    expect(await tcall('alpha', 'create', { meetingID: 'lim-3', name: 'Room' })).toMatchObject({ messageKey: 'maxAttendeesReached' });
  });
});

describe("a tenant's own metrics", () => {
  it('/metrics/tenant on its host, behind its own token: its usage and limits only', async () => {
    await registerServers(1);
    const token = 'alpha-metrics-token-0123456789';
    await updateTenant(services(env).sql, tenants.alpha!.id, { settings: { metricsToken: token, limits: { meetings: 5 } } });
    invalidateTenants();
    await tcall('alpha', 'create', { meetingID: 'm-1', name: 'Room' });
    await tcall('beta', 'create', { meetingID: 'm-1', name: 'Room' });
    // A 30-minute meeting that ended: its minutes count; the running one's do not yet.
    await services(env).sql.query(
      `INSERT INTO meeting_history (tenant_id, meeting_id, internal_meeting_id, server_id, created_at, ended_at)
       VALUES ($1, 'old', 'old-int', 's', now() - interval '40 minutes', now() - interval '10 minutes')`,
      [tenants.alpha!.id],
    );
    const get = (host: string, auth?: string) =>
      send(new Request(`http://${host}.lb.example.com/metrics/tenant`, auth ? { headers: { Authorization: `Bearer ${auth}` } } : {}), MT);
    expect((await get('alpha')).status).toBe(401);
    expect((await get('alpha', 'wrong-token-wrong-token-wrong')).status).toBe(401);
    expect((await get('beta', token)).status).toBe(404);
    const res = await get('alpha', token);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('scaleflare_tenant_meetings{tenant="alpha"} 1');
    expect(text).toContain('scaleflare_tenant_meetings_limit{tenant="alpha"} 5');
    expect(text).toContain('scaleflare_tenant_meeting_minutes_total{tenant="alpha"} 30\n');
    expect(text).toMatch(/scaleflare_tenant_recording_bytes\{tenant="alpha"\} \d+\n/);
    expect(text).not.toContain('beta');
  });
});

describe("Scalelite's tenant admin API", () => {
  async function tadmin(action: string, o: { body?: unknown; query?: string; env?: Record<string, string> } = {}) {
    const query = o.query ?? '';
    const checksum = await hex('sha256', action + query + SECRET);
    const res = await send(
      new Request(`http://lb.example.com/scalelite/api/${action}?${query}${query ? '&' : ''}checksum=${checksum}`, {
        method: o.body === undefined ? 'GET' : 'POST',
        ...(o.body === undefined ? {} : { body: JSON.stringify(o.body), headers: { 'Content-Type': 'application/json' } }),
      }),
      o.env ?? MT,
    );
    return { status: res.status, json: (await res.json()) as any };
  }

  it('412 while multitenancy is off', async () => {
    expect(await tadmin('getTenants', { env: {} })).toEqual({ status: 412, json: { message: 'Multitenancy is disabled: set MULTITENANCY_ENABLED=true on the balancer to manage tenants' } });
  });

  it('add, list, show, rename, rotate and delete; secrets never leave', async () => {
    const added = await tadmin('addTenant', { body: { tenant: { name: 'gamma', secrets: 'g1:g2' } } });
    expect(added.status).toBe(201);
    expect(added.json.tenant).toMatchObject({ name: 'gamma', secrets: '[redacted]' });
    expect(added.json.tenant.secret_fingerprints).toHaveLength(2);
    const id = added.json.tenant.id;
    expect(await tcall('gamma', 'getMeetings', {}, 'g2')).toMatchObject({ returncode: 'SUCCESS' });
    const list = await tadmin('getTenants');
    expect(list.json.map((t: Xml) => t.name).sort()).toEqual(['alpha', 'beta', 'gamma']);
    expect(JSON.stringify(list.json)).not.toMatch(/alpha-secret|g1|g2/);
    expect((await tadmin('getTenantInfo', { query: `id=${id}` })).json).toMatchObject({ name: 'gamma' });
    expect((await tadmin('updateTenant', { body: { id, tenant: { secrets: 'g3' } } })).status).toBe(200);
    expect(await tcall('gamma', 'getMeetings', {}, 'g2')).toMatchObject({ messageKey: 'checksumError' });
    expect(await tcall('gamma', 'getMeetings', {}, 'g3')).toMatchObject({ returncode: 'SUCCESS' });
    expect((await tadmin('addTenant', { body: { tenant: { name: 'gamma', secrets: 'x' } } })).status).toBe(422);
    expect((await tadmin('addTenant', { body: { tenant: { name: 'Not A Label!', secrets: 'x' } } })).status).toBe(400);
    expect((await tadmin('addTenant', { body: { tenant: { name: 'delta' } } })).status).toBe(400);
    expect((await tadmin('deleteTenant', { body: { id } })).json).toEqual({ success: `Tenant id=${id} was destroyed` });
    expect(await tcall('gamma', 'getMeetings', {}, 'g3')).toMatchObject({ messageKey: 'checksumError' });
    expect((await tadmin('getTenantInfo', { query: `id=${id}` })).status).toBe(404);
  });

  it('a tenant with recordings is not deleted', async () => {
    await seed({ recordID: 'rec-keep', tenant: tenants.alpha!.id });
    const res = await tadmin('deleteTenant', { body: { id: tenants.alpha!.id } });
    expect(res).toMatchObject({ status: 422, json: { error: expect.stringContaining('1 recording') } });
    expect((await tadmin('getTenantInfo', { query: `id=${tenants.alpha!.id}` })).status).toBe(200);
  });

  it('meeting history does not keep a tenant: a running meeting does, until it ends; the history goes with the tenant', async () => {
    await registerServers(1);
    const { id } = tenants.alpha!;
    const history = async () => ((await services(env).sql.query('SELECT count(*)::int AS n FROM meeting_history WHERE tenant_id = $1', [id])) as { n: number }[])[0]!.n;
    expect(await tcall('alpha', 'create', { meetingID: 'held', name: 'Room' })).toMatchObject({ returncode: 'SUCCESS' });
    const running = await tadmin('deleteTenant', { body: { id } });
    expect(running).toMatchObject({ status: 422, json: { error: expect.stringContaining('1 running meeting') } });
    expect(await tcall('alpha', 'end', { meetingID: 'held' })).toMatchObject({ returncode: 'SUCCESS' });
    // A deleted recording is a tombstone: it keeps nothing either.
    await seed({ recordID: 'rec-gone', tenant: id, state: 'deleted' });
    expect(await history()).toBe(1);
    expect(await tadmin('deleteTenant', { body: { id } })).toEqual({ status: 200, json: { success: `Tenant id=${id} was destroyed` } });
    expect(await history()).toBe(0);
  });

  it('bodies are checked strictly: wrong types and unknown fields are 400 naming the field; bad ids are not found', async () => {
    const wrong = await tadmin('addTenant', { body: { tenant: { name: 'delta', secrets: ['a', 'b'] } } });
    expect(wrong).toMatchObject({ status: 400, json: { issues: [{ path: 'body.tenant.secrets' }] } });
    expect(await tadmin('updateTenant', { body: { id: tenants.alpha!.id, tenant: { nmae: 'x' } } })).toMatchObject({ status: 400, json: { issues: [{ path: 'body.tenant' }] } });
    expect(await tadmin('deleteTenant', { body: { id: tenants.alpha!.id, force: true } })).toMatchObject({ status: 400, json: { issues: [{ path: 'body' }] } });
    expect(await tadmin('getTenantInfo', { query: 'id=%00' })).toEqual({ status: 404, json: { error: "Couldn't find Tenant with id=\u0000" } });
    expect((await tadmin('deleteTenant', { body: { id: 'x'.repeat(300) } })).status).toBe(404);
    expect((await tadmin('getTenantInfo', { query: `id=${tenants.alpha!.id}` })).status).toBe(200);
  });

  it('412 comes first while multitenancy is off, whatever the body', async () => {
    for (const action of ['addTenant', 'updateTenant', 'deleteTenant']) {
      expect((await tadmin(action, { body: { bogus: 1 }, env: {} })).status, action).toBe(412);
    }
  });
});
