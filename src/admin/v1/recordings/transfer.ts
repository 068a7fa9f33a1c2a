import { transferRecordings } from '../../../store/recording-owner.js';
import { ApiError, operation } from '../operation.js';
import { ServerIdParams } from '../schemas/common.js';
import { RecordingTransferBody, RecordingTransferReport } from '../schemas/servers.js';
import { existing } from '../servers/servers.js';

/** Rebuilding a node (docs/node-lifecycle.md#rebuilding-a-node): its recordings go to the node replacing it. */
export const recordingTransferOperations = [
  operation({
    method: 'post',
    path: '/servers/{id}/recordings/transfer',
    tag: 'servers',
    summary: "Give the server's recordings, uploads and recordings processing to another server (the one rebuilt in its place)",
    description:
      'Playback and the API do not depend on which server uploaded a recording; only that server may upload it again. ' +
      'Moved to the new server, its recordings can be re-uploaded by it, and the old server can be removed, which retires its upload rights.',
    params: ServerIdParams,
    body: RecordingTransferBody,
    response: RecordingTransferReport,
    errors: [404, 409],
    handler: async ({ svc, params, body }) => {
      const [from, to] = await Promise.all([existing(svc, params.id), existing(svc, body.to)]);
      if (from.id === to.id) throw new ApiError(409, 'same_server', 'The recordings already belong to this server');
      return transferRecordings(svc.sql, from.id, to.id);
    },
  }),
];
