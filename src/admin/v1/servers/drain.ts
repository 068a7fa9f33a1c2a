import * as z from 'zod';
import { drainProgress, startDrain } from '../../../cluster/drain.js';
import { ServerIdParams, operation } from '../operation.js';
import { existing } from './servers.js';

/** Draining a server (docs/node-lifecycle.md): POST cordons it, GET follows it until done. */

const DrainProgressSchema = z
  .object({
    state: z.enum(['enabled', 'cordoned', 'disabled']),
    meetings: z.number().describe('Meetings on the node at the last poll'),
    processing: z.number().describe("Recordings the node's hooks reported processing, not indexed yet"),
    processingRecordIds: z.array(z.string()).describe('The oldest 10 of them'),
    pendingUpload: z.number().describe('Recordings the node claimed but has not fully uploaded'),
    pendingRecordIds: z.array(z.string()).describe('The oldest 10 of them'),
    done: z
      .boolean()
      .describe('Disabled by the poll (a poll after the cordon found it empty) and nothing processing or pending upload: it can be removed or upgraded'),
  })
  .meta({ id: 'DrainProgress' });

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
