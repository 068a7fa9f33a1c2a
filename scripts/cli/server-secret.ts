import type { SecretRotationStarted, Server } from './api-types.js';
import { secretValue, str, type Command } from './command.js';
import { usageError } from './errors.js';
import { print } from './output.js';
import { apiPath, findServer } from './resolve.js';

/**
 * `scaleflare servers rotate-secret`: a node secret rotated with no failed call
 * (docs/secret-rotation.md). Start it, set the secret on the node, and the balancer promotes it
 * when it sees the node take it; --promote does that now, --cancel drops the pending secret.
 */

const NEXT_STEP =
  'Now run on the node:  sudo bbb-conf --setsecret <new secret>\n' +
  'The balancer switches over by itself once the node has it (or: scaleflare servers rotate-secret <server> --promote).\n';

export const rotateSecretCommand: Command = {
  words: ['servers', 'rotate-secret'],
  usage: '<id|url|host> [--secret <secret|->] | --promote | --cancel',
  summary: 'Rotate the node secret: without --secret a strong one is generated and printed once',
  options: { secret: { type: 'string' }, promote: { type: 'boolean' }, cancel: { type: 'boolean' } },
  args: [1, 1],
  run: async (inv) => {
    const given = str(inv.values, 'secret');
    const promote = inv.values.promote === true;
    const cancel = inv.values.cancel === true;
    if ([given !== undefined, promote, cancel].filter(Boolean).length > 1) throw usageError('Use one of --secret, --promote, --cancel');
    const s = await findServer(inv.client, inv.args[0]!);
    const path = apiPath('servers', s.id, 'secret-rotation');
    if (promote || cancel) {
      const server = await inv.client.call<Server>(promote ? 'POST' : 'DELETE', promote ? `${path}/promote` : path);
      const done = promote
        ? `${s.url} now uses the new secret (${server.secretFingerprint}); the old one is refused`
        : `Rotation cancelled: ${s.url} keeps its secret (${server.secretFingerprint})`;
      print(inv.out, server, () => `${done}\n`);
      return;
    }
    const secret = given === undefined ? undefined : await secretValue(inv, given);
    const r = await inv.client.call<SecretRotationStarted>('POST', path, secret === undefined ? {} : { secret });
    print(inv.out, r, () =>
      `Rotation pending for ${s.url}: new secret ${r.server.secretNextFingerprint} (current ${r.server.secretFingerprint})\n` +
      (r.secret ? `New secret (shown once, keep it safe): ${r.secret}\n` : '') +
      NEXT_STEP,
    );
  },
};
