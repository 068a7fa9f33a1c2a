/**
 * A live class survives its node (docs/node-lifecycle.md): the node of a running meeting dies, the
 * cron is left alone, and the LMS's rejoin (getMeetingInfo, create, join) must land on another
 * node; once the node is back, the poll ends its stale copy, so no meeting runs twice.
 */
import { DrillError, followJoin, lms } from './clients.js';
import type { Lab } from './lab.js';
import type { Ledger } from './populate.js';
import { seconds, section, type Steps } from './steps.js';

export interface LiveClassResult {
  /** From the node's death to the rejoin's landing elsewhere: connections refused, and no answer at all. */
  refusedMs: number;
  unansweredMs: number;
}

/** The targets (docs/benchmarks.md): a refused node at once; an unanswering one CONNECT_TIMEOUT (5 s) + the 1 s retry, with a margin. */
const REFUSED_TARGET_MS = 10_000;
const UNANSWERED_TARGET_MS = 5_000 + 1_000 + 1_000;

export async function liveClassDrill(lab: Lab, steps: Steps, ledger: Ledger): Promise<LiveClassResult> {
  section('A live class survives its node (cron left alone)');
  const refusedMs = await steps.run('node refuses connections: the LMS rejoin lands elsewhere', () => rejoinAfterDeath(lab, ledger, 'class-refused', 'refuse'), afterDeath);
  withinTarget(refusedMs, REFUSED_TARGET_MS);
  const unansweredMs = await steps.run('node stops answering: the LMS rejoin lands elsewhere', () => rejoinAfterDeath(lab, ledger, 'class-unanswered', 'timeout'), afterDeath);
  withinTarget(unansweredMs, UNANSWERED_TARGET_MS);
  await steps.run('the nodes come back; the poll ends the stale copies', async () => {
    for (const node of lab.sim.nodes) await lab.sim.node(node.id).setFault({ type: 'none' });
    await lab.cron();
    for (const meetingID of ['class-refused', 'class-unanswered']) {
      const copies = lab.sim.nodes.filter((n) => lab.sim.node(n.id).meetings().some((m) => m.meetingID.endsWith(`~${meetingID}`)));
      if (copies.length !== 1) throw new DrillError(`${meetingID} runs on ${copies.length} nodes`);
    }
  });
  return { refusedMs, unansweredMs };
}

/** Kills the node of a running class and returns the milliseconds until the LMS's rejoin lands on another. */
async function rejoinAfterDeath(lab: Lab, ledger: Ledger, meetingID: string, death: 'refuse' | 'timeout'): Promise<number> {
  const [acme] = ledger.tenants as [Ledger['tenants'][0]];
  const api = lms(lab, acme.name, acme.secret);
  // The LMS's create and join, as a class starts and as it is rejoined.
  const rejoin = async () => {
    const created = await api.call('create', { meetingID, name: `Drill ${meetingID}`, record: 'true' });
    if (created.returncode !== 'SUCCESS') throw new DrillError(`create ${meetingID} answered ${created.returncode} ${created.messageKey ?? ''}`);
    const joined = await followJoin(api, meetingID, 'Student');
    if (!joined.ok) throw new DrillError(`join ${meetingID}: ${joined.detail}`);
    return joined.node;
  };
  const dead = await rejoin();
  await lab.sim.node(ledger.servers.get(dead)!.simId).setFault({ type: death });
  const t0 = performance.now();
  await api.call('getMeetingInfo', { meetingID });
  const node = await rejoin();
  const ms = performance.now() - t0;
  if (node === dead) throw new DrillError('the rejoin went to the dead node');
  return ms;
}

function withinTarget(ms: number, target: number): void {
  if (ms > target) throw new DrillError(`the rejoin took ${Math.round(ms)} ms, over the ${target} ms target`);
}

const afterDeath = (ms: number) => `${seconds(ms)} after the node died`;
