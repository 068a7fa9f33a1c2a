/**
 * Upgrading a BBB node under live traffic (docs/node-lifecycle.md): drain it with the CLI's own
 * code path (`servers drain --wait`), "upgrade" it (the simulated node restarts empty on a new BBB
 * version), check its health through the poll, and re-admit it. The LMS traffic on the other nodes
 * must not see a single failed call, and a new meeting must land on the upgraded node.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DrainProgress } from '../cli/api-types.js';
import { startDrain, waitDrained } from '../cli/server-drain.js';
import { admin, adminApi, DrillError, followJoin, lms } from './clients.js';
import type { Lab } from './lab.js';
import type { Ledger } from './populate.js';
import { section, type Steps } from './steps.js';
import { Traffic } from './traffic.js';

export interface NodeUpgradeResult {
  calls: number;
  failures: string[];
  /** Each step's time, in the runbook's order. */
  ms: { drain: number; upgrade: number; healthCheck: number; readmit: number };
}

const NEW_VERSION = '3.0.99';
const DRAIN_TIMEOUT_S = 60;

interface ServerView {
  state: string;
  health: { online: boolean; version: string };
}

/** Runs the Cron Trigger every half second until `work` settles, as the cron would (every minute). */
async function withCron<T>(lab: Lab, work: Promise<T>): Promise<T> {
  let settled = false;
  const cron = (async () => {
    while (!settled) {
      await lab.cron();
      await sleep(500);
    }
  })();
  try {
    return await work;
  } finally {
    settled = true;
    await cron;
  }
}

export async function nodeUpgradeDrill(lab: Lab, steps: Steps, ledger: Ledger): Promise<NodeUpgradeResult> {
  section('Upgrade a BBB node under live traffic');
  const [acme] = ledger.tenants as [Ledger['tenants'][0]];
  // Not the node whose secret was rotated: its restart keeps the secret the balancer has.
  const rotated = ledger.meetings.find((m) => m.tenant === acme)!.node;
  const origin = [...ledger.servers.keys()].find((o) => o !== rotated)!;
  const server = ledger.servers.get(origin)!;
  const node = lab.sim.node(server.simId);
  const meetings = ledger.meetings.filter((m) => m.tenant === acme && m.node !== origin);
  const from = steps.done.length;
  const traffic = new Traffic(lab, meetings, { tenant: () => acme.secret, balancer: () => lab.vars.LOADBALANCER_SECRET! });
  try {
    await steps.run(
      'drain (servers drain --wait): classes end, the poll disables it',
      async () => {
        const client = adminApi(lab);
        const s = await client.call<Parameters<typeof startDrain>[1]>('GET', `/servers/${server.id}`);
        const first = await startDrain(client, s);
        await traffic.round();
        // The classes on it end as their teachers leave; nothing new is placed there.
        // Ending a meeting ends its breakout rooms too, so each time the first one left.
        let ended = 0;
        for (let m = node.meetings()[0]; m; m = node.meetings()[0], ended++) node.endMeeting(m.meetingID);
        const seen: DrainProgress[] = [];
        await withCron(lab, waitDrained(client, s, first, { timeoutSeconds: DRAIN_TIMEOUT_S, intervalSeconds: 0.5, onProgress: (p) => seen.push(p) }));
        return { ended, updates: seen.length };
      },
      (r) => `${r.ended} meeting(s) ended, done after ${r.updates} progress update(s)`,
    );
    await steps.run(`upgrade: the node restarts empty on BBB ${NEW_VERSION}`, async () => {
      await node.stop();
      await node.reset();
      node.configure({ bbbVersion: NEW_VERSION });
      await node.start();
      await traffic.round();
    });
    await steps.run('health check: the poll sees it online on the new version', async () => {
      // A disabled server is not polled: cordoned, it is polled and still takes no meeting (the poll then disables it again, empty).
      await admin(lab, 'PATCH', `/servers/${server.id}`, { state: 'cordoned' });
      await lab.cron();
      const { health } = await admin<ServerView>(lab, 'GET', `/servers/${server.id}`);
      if (!health.online || health.version !== NEW_VERSION) throw new DrillError(`the poll sees it ${health.online ? 'online' : 'offline'} on BBB ${health.version || '?'}`);
    });
    await steps.run('re-admit: enable it; a new meeting lands on it', async () => {
      await admin(lab, 'PATCH', `/servers/${server.id}`, { state: 'enabled' });
      const api = lms(lab, acme.name, acme.secret);
      const created = await api.call('create', { meetingID: 'after-upgrade', name: 'After the upgrade' });
      if (created.returncode !== 'SUCCESS') throw new DrillError(`create answered ${created.returncode} ${created.messageKey ?? ''}`);
      const joined = await followJoin(api, 'after-upgrade', 'Student');
      if (!joined.ok) throw new DrillError(`join: ${joined.detail}`);
      if (joined.node !== origin) throw new DrillError(`the new meeting went to ${joined.node}, not to the upgraded, empty node`);
      await traffic.round();
    });
  } finally {
    await traffic.stop();
  }
  traffic.check('the node upgrade');
  const [drain, upgrade, healthCheck, readmit] = steps.done.slice(from).map((s) => s.ms) as [number, number, number, number];
  return { calls: traffic.calls, failures: traffic.failures, ms: { drain, upgrade, healthCheck, readmit } };
}
