/**
 * What LMSs, browsers and the frontend's callback endpoint can see of the pool, observed the same
 * way before the disaster and after the restore, so "back" means "looks the same from outside".
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { tagTexts } from '../cli/check-bbb.js';
import { admin, DrillError, followJoin, lms, send, tenantOrigin } from './clients.js';
import type { Lab } from './lab.js';
import type { Ledger, RecordingEntry, TenantEntry } from './populate.js';

export interface MeetingView {
  running: string;
  participants: string;
  /** Where a browser joining it lands. */
  node: string;
}

export interface Delivery {
  id: string;
  url: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
}

const key = (tenant: TenantEntry, id: string) => `${tenant.name}/${id}`;

export async function viewMeetings(lab: Lab, ledger: Ledger): Promise<Map<string, MeetingView>> {
  const out = new Map<string, MeetingView>();
  for (const m of ledger.meetings) {
    const api = lms(lab, m.tenant.name, m.tenant.secret);
    const info = await api.call('getMeetingInfo', { meetingID: m.meetingID });
    if (info.returncode !== 'SUCCESS') throw new DrillError(`getMeetingInfo ${key(m.tenant, m.meetingID)} answered ${info.returncode} ${info.messageKey ?? ''}`);
    const joined = await followJoin(api, m.meetingID, 'Drill observer');
    if (!joined.ok) throw new DrillError(`join ${key(m.tenant, m.meetingID)}: ${joined.detail}`);
    out.set(key(m.tenant, m.meetingID), {
      running: tagTexts(info.xml, 'running')[0] ?? '',
      participants: tagTexts(info.xml, 'participantCount')[0] ?? '',
      node: joined.node,
    });
  }
  return out;
}

/** Every recording each tenant's getRecordings lists, by tenant. */
export async function viewRecordings(lab: Lab, ledger: Ledger): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const t of ledger.tenants) {
    const answer = await lms(lab, t.name, t.secret).call('getRecordings', {});
    if (answer.returncode !== 'SUCCESS') throw new DrillError(`getRecordings for ${t.name} answered ${answer.returncode}`);
    out.set(t.name, tagTexts(answer.xml, 'recordID').sort());
  }
  return out;
}

export async function viewCallbacks(lab: Lab, tenant: TenantEntry): Promise<Delivery[]> {
  const { deliveries } = await admin<{ deliveries: Delivery[] }>(lab, 'GET', `/callbacks?tenant=${tenant.id}`);
  return deliveries
    .map(({ id, url, status, attempts, nextAttemptAt }) => ({ id, url, status, attempts, nextAttemptAt }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Plays every file of a recording through the balancer, as a browser does; returns the bytes read. */
export async function playRecording(lab: Lab, r: RecordingEntry): Promise<number> {
  let bytes = 0;
  for (const f of r.files) {
    const where = `${r.tenant.name}: ${f.format}/${r.recordID}/${f.path}`;
    const first = await send(lab)(`${tenantOrigin(r.tenant.name)}/${f.format}/${r.recordID}/${f.path}`, { redirect: 'manual' });
    await first.arrayBuffer();
    const location = first.headers.get('location');
    if (first.status !== 302 || !location) throw new DrillError(`${where} answered HTTP ${first.status}, not a redirect to the file`);
    const file = await send(lab)(new URL(location, tenantOrigin(r.tenant.name)).toString());
    const data = new Uint8Array(await file.arrayBuffer());
    if (file.status !== 200) throw new DrillError(`${where}: the file answered HTTP ${file.status}`);
    if (createHash('sha256').update(data).digest('hex') !== f.sha256) throw new DrillError(`${where}: the bytes differ from what the node uploaded`);
    bytes += data.length;
  }
  return bytes;
}

/** Fails with the first difference, described for the operator. */
export function expectSame<T>(what: string, before: Map<string, T>, after: Map<string, T>): void {
  for (const [k, v] of before) {
    if (!after.has(k)) throw new DrillError(`${what}: ${k} is missing after the restore`);
    if (!isDeepStrictEqual(after.get(k), v)) throw new DrillError(`${what}: ${k} was ${JSON.stringify(v)}, is ${JSON.stringify(after.get(k))}`);
  }
  for (const k of after.keys()) if (!before.has(k)) throw new DrillError(`${what}: ${k} appeared after the restore`);
}
