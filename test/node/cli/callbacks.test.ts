/**
 * `scaleflare callbacks list|retry` as an operator runs them once a frontend is back: a child
 * process against the real Worker in workerd with the test stack's Postgres and the stack's callback
 * receiver as the frontend. A recording uploaded by a node is announced to a frontend answering 503,
 * so its delivery waits for its backoff; the list shows why, the retry sends it at once.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IngestClient } from '../../../scripts/recordings/ingest-client';
import { rememberMeetingCallbacks } from '../../../src/store/callbacks';
import { nodeMeetingID } from '../../../src/tenancy/scope';
import { recordingFixture } from '../../support/recordings-ingest-fixture';
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { adminApi, db, scaleflare } from './pool-setup';

const TOKEN = 'callbacks-cli-admin-token-0123456789';
const NODE = { url: 'https://callbacks-cli-node.example.com/bigbluebutton/api', secret: 'callbacks-cli-node-secret' };
const { callbackReceiver } = inject('stack');
/** The frontend's endpoint: unique to this run, with a token in its query that must never be shown. */
const READY_PATH = `/cli-ready-${Date.now().toString(36)}`;
const LMS_TOKEN = 'lms-token-never-shown';

let worker: IngestWorker;
let serverId: string;
let tenant: { id: string; name: string };
const recordId = `${'cb'.repeat(20)}-${Date.now()}`;
const api = adminApi(() => worker.base, TOKEN);
const cli = scaleflare(() => worker.base, TOKEN);

/** The tenant's only delivery, once `done` says the Worker's background attempt got that far. */
async function deliveryWhen(done: (d: any) => boolean): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const [d] = (await api(`/callbacks?tenant=${tenant.id}`)).deliveries;
    if (d && done(d)) return d;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the delivery never got there');
}

const received = async () =>
  ((await (await fetch(`${callbackReceiver.url}/__requests`)).json()).requests as { path: string }[]).filter((r) => r.path === READY_PATH);

beforeAll(async () => {
  // With tenancy on, the recording belongs to the tenant by its scoped meetingID: its deliveries are this file's alone.
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN, MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' });
  serverId = (await api('/servers', 'POST', { ...NODE, state: 'disabled' })).id;
  tenant = await api('/tenants', 'POST', { name: `cbcli${Date.now().toString(36)}`, secrets: ['callbacks-cli-tenant-secret'] });
  await fetch(`${callbackReceiver.url}/__script`, { method: 'POST', body: JSON.stringify({ path: READY_PATH, statuses: [503, 200] }) });
  const meetingID = 'room-1';
  await rememberMeetingCallbacks(db(), { tenant: tenant.id, meetingID, recordingReadyUrl: `${callbackReceiver.url}${READY_PATH}?token=${LMS_TOKEN}` });
  const node = new IngestClient({ baseUrl: worker.base, serverId, secret: NODE.secret });
  const files = recordingFixture({ recordId, meetingId: nodeMeetingID(tenant.id, meetingID), videoBytes: 0 });
  await node.uploadRecording(recordId, files.map((f) => ({ ...f, data: new Blob([f.data.slice()]) })));
  await deliveryWhen((d) => d.attempts === 1);
}, 120_000);

afterAll(async () => {
  if (tenant) {
    const sql = db();
    for (const table of ['callback_deliveries', 'meeting_callbacks', 'recordings']) await sql.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenant.id]);
    await sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [recordId]);
    await api(`/tenants/${tenant.id}`, 'DELETE');
  }
  if (serverId) await api(`/servers/${serverId}`, 'DELETE');
  await worker?.stop();
}, 60_000);

describe('scaleflare callbacks', { timeout: 60_000 }, () => {
  it('lists the delivery the frontend refused, by tenant name, with and without a status, its URL without the query', async () => {
    const all = await cli(['callbacks', 'list', '--tenant', tenant.name]);
    expect(all.code, all.stderr).toBe(0);
    const [header, row, ...rest] = all.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+KIND\s+STATUS\s+MEETING\s+RECORD\s+URL\s+ATTEMPTS\s+LAST RESULT\s+NEXT ATTEMPT$/);
    expect(rest).toEqual([]);
    expect(row!.split(/\s{2,}/).slice(1)).toEqual([
      'recording_ready',
      'pending',
      'room-1',
      recordId,
      `${callbackReceiver.url}${READY_PATH}`,
      '1',
      'HTTP 503',
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    ]);
    expect(all.stdout).not.toContain(LMS_TOKEN);

    const pending = await cli(['callbacks', 'list', '--tenant', tenant.id, '--status', 'pending', '--limit', '5', '--json']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(JSON.parse(pending.stdout).deliveries).toMatchObject([{ recordID: recordId, status: 'pending', lastStatus: 503 }]);
    expect(await cli(['callbacks', 'list', '--tenant', tenant.name, '--status', 'delivered'])).toEqual({ code: 0, stdout: 'No delivered callbacks\n', stderr: '' });
  });

  it('retry sends the pending delivery now instead of after its backoff', async () => {
    expect(await received()).toHaveLength(1);
    const retry = await cli(['callbacks', 'retry', '--tenant', tenant.name]);
    expect(retry).toMatchObject({ code: 0, stdout: 'Retrying 1 pending callback(s) now (what this attempt does not take, the next cron run does)\n' });
    expect(await deliveryWhen((d) => d.status === 'delivered')).toMatchObject({ attempts: 2, lastStatus: 200 });
    expect(await received()).toHaveLength(2);

    const again = await cli(['callbacks', 'retry', '--tenant', tenant.id, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ retrying: 0 });
    const listed = await cli(['callbacks', 'list', '--tenant', tenant.name, '--status', 'delivered']);
    expect(listed.stdout).toMatch(new RegExp(`recording_ready\\s+delivered\\s+room-1\\s+${recordId}\\s+\\S+\\s+2\\s+HTTP 200\\s+-\\n$`));
  });

  it('an unknown tenant and bad options are one clear line with the right exit code', async () => {
    for (const words of [['callbacks', 'list'], ['callbacks', 'retry']]) {
      expect(await cli([...words, '--tenant', 'no-such-tenant'])).toEqual({ code: 1, stdout: '', stderr: 'scaleflare: No tenant "no-such-tenant"\n' });
    }
    expect(await cli(['callbacks', 'list', '--status', 'lost'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'scaleflare: --status must be one of pending, delivered, failed, got "lost"\n',
    });
    expect(await cli(['callbacks', 'list', '--limit', 'all'])).toMatchObject({ code: 2, stderr: 'scaleflare: --limit must be a positive number, got "all"\n' });
    const tooMany = await cli(['callbacks', 'list', '--limit', '1000']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^scaleflare: Invalid request: query\.limit .*\(HTTP 400 validation_error\)\n {2}query\.limit: /);
    expect((await cli(['callbacks', 'retry', '--status', 'pending'])).code).toBe(2);
  });
});
