/**
 * Rotating secrets under live traffic (docs/secret-rotation.md): a tenant's secret, the balancer
 * secret, and a compromised node secret. Each follows the runbook's order, and the drill fails if a
 * single call of the traffic failed, or if an old secret still works afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { bbbApi } from '../cli/check-bbb.js';
import { IngestClient, IngestError } from '../recordings/ingest-client.js';
import { admin, DrillError, lms, scaleliteGetServers } from './clients.js';
import type { Lab } from './lab.js';
import type { Ledger } from './populate.js';
import { section, type Steps } from './steps.js';
import { Traffic } from './traffic.js';

export interface RotationResult {
  calls: number;
  failures: string[];
}

const newSecret = () => randomBytes(20).toString('hex');
const fingerprint = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 12);

export async function rotationDrill(lab: Lab, steps: Steps, ledger: Ledger): Promise<RotationResult> {
  section('Rotate secrets under live traffic');
  const [acme] = ledger.tenants as [Ledger['tenants'][0]];
  const meetings = ledger.meetings.filter((m) => m.tenant === acme);
  let tenantSecret = acme.secret;
  let balancerSecret = lab.vars.LOADBALANCER_SECRET!;
  const traffic = new Traffic(lab, meetings, { tenant: () => tenantSecret, balancer: () => balancerSecret });
  try {
    await steps.run("tenant secret: add the new one, move the LMS, remove the old", async () => {
      const old = tenantSecret;
      const next = newSecret();
      await admin(lab, 'POST', `/tenants/${acme.id}/secrets`, { secret: next });
      await traffic.round();
      tenantSecret = next;
      // The LMS now signs with it: so do the drill's later steps.
      acme.secret = next;
      await traffic.round();
      await admin(lab, 'DELETE', `/tenants/${acme.id}/secrets/${fingerprint(old)}`);
      const refused = await lms(lab, acme.name, old).call('getMeetingInfo', { meetingID: meetings[0]!.meetingID });
      if (refused.messageKey !== 'checksumError') throw new DrillError(`the old tenant secret still works (${refused.returncode})`);
    });
    await steps.run('balancer secret: LOADBALANCER_SECRETS, move, then drop the old', async () => {
      const old = balancerSecret;
      const next = newSecret();
      await lab.redeploy({ LOADBALANCER_SECRETS: next });
      balancerSecret = next;
      await traffic.round();
      await lab.redeploy({ LOADBALANCER_SECRET: next, LOADBALANCER_SECRETS: '' });
      if ((await scaleliteGetServers(lab, old)).accepted) throw new DrillError('the old balancer secret still works');
    });
    await steps.run('node secret: rotation pending, node switches, balancer promotes', () => rotateNodeSecret(lab, ledger, meetings[0]!.node, traffic));
  } finally {
    await traffic.stop();
  }
  traffic.check('the rotations');
  return { calls: traffic.calls, failures: traffic.failures };
}

/** The compromised node's secret, following the runbook's three steps. */
async function rotateNodeSecret(lab: Lab, ledger: Ledger, origin: string, traffic: Traffic): Promise<void> {
  const server = ledger.servers.get(origin)!;
  // 1. The balancer learns the new secret first; it keeps signing with the old one for now.
  const { secret } = await admin<{ secret: string }>(lab, 'POST', `/servers/${server.id}/secret-rotation`, {});
  await traffic.round();
  // 2. The operator runs `bbb-conf --setsecret` on the node: from now on it refuses the old secret.
  lab.sim.node(server.simId).configure({ secret });
  await traffic.round();
  // 3. The balancer noticed on its own; confirm, and check the old secret is dead on both sides.
  const row = await admin<{ secretRotationPending: boolean; secretFingerprint: string }>(lab, 'GET', `/servers/${server.id}`);
  if (row.secretRotationPending) throw new DrillError('the balancer has not promoted the new node secret');
  if (row.secretFingerprint !== fingerprint(secret)) throw new DrillError('the balancer signs with another secret than the node has');
  const old = server.secret;
  server.secret = secret;
  const node = await bbbApi(lab.sim.node(server.simId).info().url, old).call('getMeetings');
  if (node.messageKey !== 'checksumError') throw new DrillError(`the node still accepts its old secret (${node.returncode})`);
  const upload = await new IngestClient({ baseUrl: lab.worker.base, serverId: server.id, secret: old }).status('drill-probe').then(
    () => 'accepted',
    (e: unknown) => (e instanceof IngestError ? e.code : String(e)),
  );
  if (upload !== 'bad_signature') throw new DrillError(`an upload signed with the old node secret was ${upload}, not refused`);
}
