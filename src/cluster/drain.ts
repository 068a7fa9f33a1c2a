import type { Services } from '../services.js';
import { pendingUploads } from '../store/pending-uploads.js';
import type { ServerRow } from '../store/servers.js';
import { changeServer } from './pool.js';

/**
 * Draining a node (docs/node-lifecycle.md): cordon it, wait for its meetings to end and its
 * recordings to reach the index. The poll turns a cordoned server it found empty into disabled,
 * so a disabled server is the proof that a poll after the cordon saw no meeting left; the drain
 * is done once, besides, nothing from the node is pending upload.
 */

export interface DrainProgress {
  state: ServerRow['state'];
  /** Meetings on the node at the last poll. */
  meetings: number;
  /** Recordings still processing on the node; null while the balancer does not follow them. */
  processing: number | null;
  pendingUpload: number;
  /** The oldest recordings pending upload, at most PENDING_SHOWN. */
  pendingRecordIds: string[];
  done: boolean;
}

const PENDING_SHOWN = 10;

export async function drainProgress(svc: Services, server: ServerRow): Promise<DrainProgress> {
  const [health, uploads] = await Promise.all([svc.cluster.health([server]), pendingUploads(svc.sql, server.id, PENDING_SHOWN)]);
  const meetings = health.get(server.id)?.meetings ?? 0;
  const done = server.state === 'disabled' && meetings === 0 && uploads.count === 0;
  return { state: server.state, meetings, processing: null, pendingUpload: uploads.count, pendingRecordIds: uploads.recordIds, done };
}

/**
 * Cordons the server; a disabled one too, so that the poll looks at it again and disables it only
 * once it has seen it empty. An already cordoned one is left as it is.
 */
export async function startDrain(svc: Services, server: ServerRow): Promise<ServerRow> {
  if (server.state === 'cordoned') return server;
  return (await changeServer(svc, server.id, { state: 'cordoned' })) ?? server;
}
