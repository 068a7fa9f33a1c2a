/**
 * A recording followed from the end of its meeting, through the simulator: a recorded meeting ends
 * on a simulated node, whose pipeline then reports it (post_archive, post_process) and uploads it
 * (post_publish) to the real Worker over HTTP, as the node-side script does; getRecordings lists it
 * as processing, processed, then published, and the admin API shows it in flight meanwhile.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator';
import { signed, call } from '../bbb-sim/helpers';
import { LB_SECRET, startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';

let worker: IngestWorker;
let sim: Simulator;
let serverId: string;

const checksum = (call: string, query: string) => createHash('sha1').update(call + query + LB_SECRET).digest('hex');
const getRecordings = async (query: string) =>
  (await fetch(`${worker.base}/bigbluebutton/api/getRecordings?${query}&checksum=${checksum('getRecordings', query)}`)).text();

async function step(recordID: string, name: 'archive' | 'process' | 'publish') {
  const res = await fetch(`${sim.controlUrl}/nodes/node-1/recordings/${recordID}/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: worker.base, serverId }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

beforeAll(async () => {
  worker = await startIngestWorker(inject('stack').endpoints);
  sim = await startSimulator({ nodes: 1 });
  const node = sim.nodes[0]!;
  serverId = (await worker.admin('addServer', { server: { url: node.url, secret: node.secret } })).id;
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  await worker?.stop();
});

describe('recordings through the simulator', { timeout: 60_000 }, () => {
  it('a meeting ends: processing, processed, then published', async () => {
    const node = sim.nodes[0]!;
    const meetingID = `sim-rec-${Date.now()}`;
    const created = await call(signed(node, 'create', new URLSearchParams({ meetingID, name: 'Recorded class', record: 'true', 'meta_bbb-origin': 'sim' }).toString()));
    const recordID = created.internalMeetingID as string;
    await fetch(`${sim.controlUrl}/nodes/node-1/meetings/${meetingID}/end`, { method: 'POST' });
    const meeting = `meetingID=${meetingID}`;

    expect(await step(recordID, 'archive')).toMatchObject({ recordID, state: 'processing', formats: ['presentation'] });
    expect(await getRecordings(meeting)).toContain('<messageKey>noRecordings</messageKey>');
    const processing = await getRecordings(`${meeting}&state=processing`);
    expect(processing).toContain(`<recordID>${recordID}</recordID>`);
    expect(processing).toContain('<state>processing</state>');
    expect(processing).toContain('<bbb-origin>sim</bbb-origin>');

    await step(recordID, 'process');
    expect(await getRecordings(`${meeting}&state=processed`)).toContain('<state>processed</state>');

    expect(await step(recordID, 'publish')).toMatchObject({ recordID, published: true });
    expect(await getRecordings(`${meeting}&state=processing,processed`)).toContain('<messageKey>noRecordings</messageKey>');
    const published = await getRecordings(meeting);
    expect(published).toContain(`<recordID>${recordID}</recordID>`);
    expect(published).toContain('<state>published</state>');
  });
});
