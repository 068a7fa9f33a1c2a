import { drainProgress, startDrain } from '../../../cluster/drain.js';
import { operation } from '../operation.js';
import { ServerIdParams } from '../schemas/common.js';
import { DrainProgressSchema } from '../schemas/servers.js';
import { existing } from './servers.js';

/** Draining a server (docs/node-lifecycle.md): POST cordons it, GET follows it until done. */

export const drainOperations = [
  operation({
    method: 'post',
    path: '/servers/{id}/drain',
    tag: 'servers',
    summary: 'Start draining a server: cordon it (a disabled one too, so the poll checks it is empty) and answer its progress',
    params: ServerIdParams,
    response: DrainProgressSchema,
    errors: [404],
    handler: async ({ svc, params }) => drainProgress(svc, await startDrain(svc, await existing(svc, params.id))),
  }),
  operation({
    method: 'get',
    path: '/servers/{id}/drain',
    tag: 'servers',
    summary: "A drain's progress: meetings left, recordings processing and pending upload, done",
    params: ServerIdParams,
    response: DrainProgressSchema,
    errors: [404],
    handler: async ({ svc, params }) => drainProgress(svc, await existing(svc, params.id)),
  }),
];
