import type { Services } from '../services.js';
import { pendingUploads } from '../store/pending-uploads.js';
import { processingByServer } from '../store/recording-processing.js';
import type { ServerRow } from '../store/servers.js';
import { changeServer } from './pool.js';

/**
 * Draining a node (docs/node-lifecycle.md): cordon it, wait for its meetings to end and its
 * recordings to reach the index. The poll turns a cordoned server it found empty into disabled,
 * so a disabled server is the proof that a poll after the cordon saw no meeting left; the drain
 * is done once, besides, nothing from the node is still processing or pending upload.
 */

export interface DrainProgress {
  state: ServerRow['state'];
  /** Meetings on the node at the last poll. */
  meetings: number;
  /** Recordings the node's hooks reported processing, not indexed yet. */
  processing: number;
  /** The oldest of them, at most SHOWN. */
  processingRecordIds: string[];
  pendingUpload: number;
  /** The oldest recordings pending upload, at most SHOWN. */
  pendingRecordIds: string[];
  done: boolean;
}

const SHOWN = 10;

export async function drainProgress(svc: Services, server: ServerRow): Promise<DrainProgress> {
  const [health, processing, uploads] = await Promise.all([
    svc.cluster.health([server]),
    processingByServer(svc.sql, server.id, SHOWN),
    pendingUploads(svc.sql, server.id, SHOWN),
  ]);
  const meetings = health.get(server.id)?.meetings ?? 0;
  const done = server.state === 'disabled' && meetings === 0 && processing.count === 0 && uploads.count === 0;
  return {
    state: server.state,
    meetings,
    processing: processing.count,
    processingRecordIds: processing.recordIds,
    pendingUpload: uploads.count,
    pendingRecordIds: uploads.recordIds,
    done,
  };
}

/**
 * Cordons the server; a disabled one too, so that the poll looks at it again and disables it only
 * once it has seen it empty. An already cordoned one is left as it is.
 */
export async function startDrain(svc: Services, server: ServerRow): Promise<ServerRow> {
  if (server.state === 'cordoned') return server;
  return (await changeServer(svc, server.id, { state: 'cordoned' })) ?? server;
}
