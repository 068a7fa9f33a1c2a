import { NodeCallError } from '../../../bbb/client.js';
import { generateSecret, takesSecretNext } from '../../../cluster/node-secrets.js';
import { promoteSecret, setSecretNext } from '../../../cluster/pool.js';
import { ApiError, notFound, operation } from '../operation.js';
import { ServerIdParams } from '../schemas/common.js';
import { SecretRotationBody, SecretRotationStarted, ServerSchema } from '../schemas/servers.js';
import { existing, render } from './servers.js';

/**
 * Rotating a node's secret with no failed call (docs/secret-rotation.md): the new secret waits
 * beside the current one until the node is seen taking it (by a call, the poll, or promote here).
 */

const NOT_SWITCHED = 'The node does not accept the new secret yet: run `bbb-conf --setsecret <new secret>` on it first';

export const secretRotationOperations = [
  operation({
    method: 'post',
    path: '/servers/{id}/secret-rotation',
    tag: 'servers',
    summary: 'Start rotating the node secret: the new one (given, or generated and shown once) waits until the node takes it',
    description:
      'Without `secret` the balancer generates a strong one and answers it in `secret`, this once: put it on the node with ' +
      '`bbb-conf --setsecret`. Until the node is seen taking it (a refused call retried with it, the poll, or promote), calls ' +
      'are signed with the current secret and retried once with the new one; node-signed requests are accepted with either.',
    params: ServerIdParams,
    body: SecretRotationBody,
    response: SecretRotationStarted,
    errors: [404, 409],
    handler: async ({ svc, params, body }) => {
      const server = await existing(svc, params.id);
      if (server.secretNext) {
        throw new ApiError(409, 'rotation_pending', 'A secret rotation is already pending for this server; promote or cancel it first');
      }
      if (body.secret === server.secret) throw new ApiError(409, 'same_secret', 'The new secret is the current one');
      const secret = body.secret ?? generateSecret();
      const row = await setSecretNext(svc, server.id, secret);
      if (!row) throw notFound('server', params.id);
      return { server: (await render(svc, [row]))[0]!, ...(body.secret ? {} : { secret }) };
    },
  }),
  operation({
    method: 'delete',
    path: '/servers/{id}/secret-rotation',
    tag: 'servers',
    summary: 'Cancel a pending secret rotation (the node must still have the current secret)',
    params: ServerIdParams,
    response: ServerSchema,
    errors: [404],
    handler: async ({ svc, params }) => {
      const row = await setSecretNext(svc, (await existing(svc, params.id)).id, null);
      if (!row) throw notFound('server', params.id);
      return (await render(svc, [row]))[0]!;
    },
  }),
  operation({
    method: 'post',
    path: '/servers/{id}/secret-rotation/promote',
    tag: 'servers',
    summary: 'Check that the node takes the new secret, and make it the secret now',
    params: ServerIdParams,
    response: ServerSchema,
    errors: [404, 409, 502],
    handler: async ({ svc, params }) => {
      const server = await existing(svc, params.id);
      const next = server.secretNext;
      if (!next) throw new ApiError(409, 'no_rotation', 'No secret rotation is pending for this server');
      let taken: boolean;
      try {
        taken = await takesSecretNext(svc.cfg, { ...server, secretNext: next });
      } catch (e) {
        if (!(e instanceof NodeCallError)) throw e;
        throw new ApiError(502, 'node_unreachable', `The node could not be asked (${e.kind}); the rotation stays pending`);
      }
      if (!taken) throw new ApiError(409, 'node_not_switched', NOT_SWITCHED);
      // Undefined when a call or the poll promoted it meanwhile: the answer is the same.
      await promoteSecret(svc, server);
      return (await render(svc, [await existing(svc, params.id)]))[0]!;
    },
  }),
];
