// A node's recording pipeline, one step at a time from the control API: what BBB's post_archive,
// post_process and post_publish hooks do with Scaleflare's node-side script
// (docs/recordings-ingest.md), spoken over HTTP to the balancer and signed with the node's secret.
// The files are the synthetic recording the ingest tests use.
import { createHash, createHmac } from 'node:crypto';
import { eventsExcerpt, recordingFixture, type FixtureOptions } from '../recordings-ingest-fixture';
import type { Meeting } from './meeting';

export type RecordingStep = 'archive' | 'process' | 'publish';

export interface IngestTarget {
  /** The balancer's base URL. */
  url: string;
  /** This node's id in the balancer. */
  serverId: string;
  /** The format a process step finished (presentation by default). */
  format?: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

async function signed(t: IngestTarget, secret: string, method: string, operation: string, body: string | Uint8Array): Promise<unknown> {
  const target = `/recordings/ingest/v1/${operation}`;
  const ts = String(Math.floor(Date.now() / 1000));
  const digest = sha256(body);
  const signature = createHmac('sha256', secret).update([method, target, t.serverId, ts, digest].join('\n')).digest('hex');
  const res = await fetch(`${t.url.replace(/\/$/, '')}${target}`, {
    method,
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers: { 'X-Scaleflare-Server': t.serverId, 'X-Scaleflare-Timestamp': ts, 'X-Scaleflare-Content-SHA256': digest, 'X-Scaleflare-Signature': signature },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`the balancer answered ${method} ${operation} with HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Runs one step of an ended, recorded meeting's pipeline; answers the balancer's answer. */
export async function runRecordingStep(recorded: { meeting: Meeting; endedAt: number }, step: RecordingStep, t: IngestTarget, secret: string): Promise<unknown> {
  const { meeting, endedAt } = recorded;
  const recordId = meeting.internalMeetingID;
  const o: FixtureOptions = { recordId, meetingId: meeting.meetingID, name: meeting.init.name, meta: meeting.init.metadata };
  if (step !== 'publish') {
    const q = new URLSearchParams({ state: step === 'archive' ? 'processing' : 'processed', formats: 'presentation', ended: String(Math.floor(endedAt / 1000)) });
    if (step === 'process') q.set('format', t.format ?? 'presentation');
    return signed(t, secret, 'POST', `processing/${recordId}?${q}`, eventsExcerpt(o));
  }
  const files = recordingFixture(o);
  for (const f of files) await signed(t, secret, 'PUT', `file/${recordId}/${f.format}/${f.path.split('/').map(encodeURIComponent).join('/')}`, f.data);
  const manifest = files.map((f) => `${sha256(f.data)} ${f.data.length} ${f.format}/${f.path}\n`).join('');
  return signed(t, secret, 'POST', `complete/${recordId}`, manifest);
}
