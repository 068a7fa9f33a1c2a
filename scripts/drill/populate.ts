/**
 * A pool worth restoring: three nodes, two tenants with their own secrets and settings, live
 * meetings with attendees spread over the nodes, recordings uploaded by the nodes that ran them,
 * and recording-ready callbacks the frontend has not taken yet (it was down when they were tried). The ledger is what the drill expects to find again after the restore.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IngestClient } from '../recordings/ingest-client.js';
import { recordingFixture } from '../../test/support/recordings-ingest-fixture.js';
import { waitFor } from '../stack/net.js';
import { admin, DrillError, followJoin, lms } from './clients.js';
import type { Lab } from './lab.js';
import { viewCallbacks } from './observe.js';

export interface TenantEntry {
  name: string;
  id: string;
  secret: string;
}

export interface MeetingEntry {
  tenant: TenantEntry;
  meetingID: string;
  /** The node's origin, as the join redirect showed it. */
  node: string;
  attendees: number;
}

export interface RecordingEntry {
  tenant: TenantEntry;
  recordID: string;
  files: { format: string; path: string; sha256: string }[];
}

export interface Ledger {
  /** Balancer server id → node secret, by node origin. */
  servers: Map<string, { id: string; secret: string; simId: string }>;
  tenants: TenantEntry[];
  meetings: MeetingEntry[];
  recordings: RecordingEntry[];
  /** Frontend paths whose recording-ready callback must still be pending after the restore. */
  callbackPaths: string[];
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export async function registerPool(lab: Lab): Promise<Ledger['servers']> {
  const servers: Ledger['servers'] = new Map();
  for (const node of lab.sim.nodes) {
    const row = await admin<{ id: string }>(lab, 'POST', '/servers', { url: node.url, secret: node.secret, state: 'enabled' });
    servers.set(new URL(node.url).origin, { id: row.id, secret: node.secret, simId: node.id });
  }
  // A new server takes meetings once a poll has seen it online.
  await lab.cron();
  return servers;
}

export async function addTenant(lab: Lab, name: string, settings: object): Promise<TenantEntry> {
  const secret = randomBytes(20).toString('hex');
  const row = await admin<{ id: string }>(lab, 'POST', '/tenants', { name, secrets: [secret], settings });
  return { name, id: row.id, secret };
}

/** Creates a recorded meeting and puts attendees in it on its node; returns where it runs. */
export async function startMeeting(lab: Lab, ledger: Ledger, tenant: TenantEntry, meetingID: string, extra: Record<string, string> = {}): Promise<MeetingEntry> {
  const api = lms(lab, tenant.name, tenant.secret);
  const created = await api.call('create', { meetingID, name: `Drill ${meetingID}`, record: 'true', ...extra });
  if (created.returncode !== 'SUCCESS') throw new DrillError(`create ${tenant.name}/${meetingID} answered ${created.returncode} ${created.messageKey ?? ''}`);
  const joined = await followJoin(api, meetingID, 'Teacher');
  if (!joined.ok) throw new DrillError(`join ${tenant.name}/${meetingID}: ${joined.detail}`);
  const simId = ledger.servers.get(joined.node)?.simId;
  if (!simId) throw new DrillError(`join ${tenant.name}/${meetingID} went to ${joined.node}, which is not in the pool`);
  const attendees = 2 + (ledger.meetings.length % 3);
  // The node sees the tenant-scoped meeting ID.
  for (let i = 0; i < attendees; i++) lab.sim.node(simId).addUser(`${tenant.id}~${meetingID}`, { fullName: `Student ${i + 1}`, role: 'VIEWER' });
  const entry = { tenant, meetingID, node: joined.node, attendees };
  ledger.meetings.push(entry);
  return entry;
}

/** Uploads a recording of a meeting the way its node's uploader does, signed with the node's secret. */
export async function uploadRecording(lab: Lab, ledger: Ledger, meeting: MeetingEntry, n: number): Promise<RecordingEntry> {
  const server = ledger.servers.get(meeting.node)!;
  const recordID = `${createHash('sha1').update(`${meeting.tenant.id}~${meeting.meetingID}`).digest('hex')}-${1_700_000_000_000 + n}`;
  const files = recordingFixture({ recordId: recordID, meetingId: `${meeting.tenant.id}~${meeting.meetingID}`, name: `Drill ${meeting.meetingID}`, videoBytes: 96 * 1024, host: meeting.node });
  const client = new IngestClient({ baseUrl: lab.worker.base, serverId: server.id, secret: server.secret });
  await client.uploadRecording(
    recordID,
    files.map((f) => ({ format: f.format, path: f.path, data: new Blob([f.data as Uint8Array<ArrayBuffer>]) })),
  );
  const entry = { tenant: meeting.tenant, recordID, files: files.map((f) => ({ format: f.format, path: f.path, sha256: sha256(f.data) })) };
  ledger.recordings.push(entry);
  return entry;
}

export async function populate(lab: Lab): Promise<Ledger> {
  const ledger: Ledger = {
    servers: await registerPool(lab),
    tenants: [],
    meetings: [],
    recordings: [],
    callbackPaths: ['/lms/recording-ready/1', '/lms/recording-ready/2'],
  };
  ledger.tenants.push(
    await addTenant(lab, 'acme', { limits: { meetings: 50, attendees: 2000 }, create: { defaults: { welcome: 'Welcome to Acme' } } }),
    await addTenant(lab, 'globex', {}),
  );
  const [acme, globex] = ledger.tenants as [TenantEntry, TenantEntry];
  // The frontend is down: every recording-ready callback fails until the drill lets it answer.
  for (const p of ledger.callbackPaths) await scriptReceiver(lab, p, 503);
  const withCallbacks = [];
  for (const [i, p] of ledger.callbackPaths.entries()) {
    withCallbacks.push(await startMeeting(lab, ledger, acme, `room-${i + 1}`, { 'meta_bbb-recording-ready-url': `${lab.receiver.url}${p}` }));
  }
  for (const id of ['room-3', 'room-4']) await startMeeting(lab, ledger, acme, id);
  for (const id of ['room-1', 'room-2', 'room-3']) await startMeeting(lab, ledger, globex, id);
  await lab.cron();

  // Each complete tries its callback at once; the frontend answers 503, so they wait for a retry.
  for (const [i, m] of withCallbacks.entries()) await uploadRecording(lab, ledger, m, i + 1);
  for (const [i, m] of ledger.meetings.filter((m) => m.tenant === globex).slice(0, 2).entries()) await uploadRecording(lab, ledger, m, 10 + i);
  await waitFor(
    'the recording-ready callbacks to be tried once',
    async () => ((await viewCallbacks(lab, acme)).filter((d) => d.attempts === 1).length === withCallbacks.length || undefined),
    10_000,
  );
  return ledger;
}

export async function scriptReceiver(lab: Lab, path: string, status: number): Promise<void> {
  const res = await fetch(`${lab.receiver.url}/__script`, { method: 'POST', body: JSON.stringify({ path, statuses: [status] }) });
  if (!res.ok) throw new DrillError(`callback receiver: HTTP ${res.status}`);
}
