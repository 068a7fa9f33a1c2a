/**
 * What the Worker needs before it is measured: the simulated nodes registered, enabled and polled,
 * the meetings the calls hit, and the Redis value the one-GET ceiling reads.
 */
import { createHash } from 'node:crypto';
import type { StackEndpoints } from '../../scripts/stack/stack.js';
import type { Simulator } from '../support/bbb-sim/simulator.js';
import { CEILING_KEY } from './constants';
import { classify, createParams, errorCount, newTally, signedPath, type ChecksumAlg } from './requests';
import type { RunningWorker } from './workerd';

/** Every node added and enabled through Scalelite's admin API, then one poll. */
export async function registerNodes(worker: RunningWorker, secret: string, sim: Simulator): Promise<void> {
  const adminCall = async (action: string, body: unknown) => {
    const checksum = createHash('sha256').update(action + secret).digest('hex');
    const res = await fetch(`${worker.base}/scalelite/api/${action}?checksum=${checksum}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as { id: string };
  };
  for (const node of sim.nodes) {
    const added = await adminCall('addServer', { server: { url: node.url, secret: node.secret } });
    await adminCall('updateServer', { id: added.id, server: { state: 'enable' } });
  }
  const polled = await (await worker.mf.getWorker(worker.name)).scheduled({ cron: '* * * * *' });
  if (polled.outcome !== 'ok') throw new Error(`poll: outcome ${polled.outcome}`);
}

/** Meetings for join, getMeetingInfo, isMeetingRunning and create-existing to hit; their IDs. */
export async function createMeetings(base: string, secret: string, checksum: ChecksumAlg, count: number, endpoints: StackEndpoints): Promise<string[]> {
  const meetingIDs = Array.from({ length: count }, (_, i) => `bench-room-${i}`);
  const precreate = newTally();
  for (let i = 0; i < meetingIDs.length; i += 16) {
    await Promise.all(
      meetingIDs.slice(i, i + 16).map(async (id) => {
        const res = await fetch(base + signedPath('create', createParams(id, `Bench room ${id}`), secret, checksum));
        classify('create', res.status, await res.text(), undefined, precreate);
      }),
    );
  }
  if (errorCount(precreate) > 0) throw new Error(`creating the bench meetings failed: ${precreate.samples.join(' / ')}`);
  // The value /__bench/redis1 reads: about as long as a route.
  await fetch(endpoints.upstashUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${endpoints.upstashToken}` },
    body: JSON.stringify(['SET', CEILING_KEY, 'node-3|enabled|1|1732222222222']),
  }).then(async (r) => {
    if (!r.ok) throw new Error(`SET ${CEILING_KEY}: HTTP ${r.status} ${await r.text()}`);
  });
  return meetingIDs;
}
