import type { InFlight, Server } from './api-types.js';
import type { AdminClient } from './client.js';
import { CliError } from './errors.js';
import { apiPath } from './resolve.js';

/**
 * Removing a server forgets its meetings, so one that still has meetings (as of the last poll) is
 * refused unless forced; forced, its meetings are ended on the node first (panic), as Scalelite's
 * servers:sync force does, so no meeting keeps running unseen. One with recordings not fully
 * uploaded is refused even forced: once removed, the node may no longer upload them.
 */

export const hasMeetings = (s: Server) => s.health.meetings > 0;

export function refuseBusy(s: Server): CliError {
  return new CliError(`Server ${s.url} still has ${s.health.meetings} meeting(s) (last poll): cordon it and wait, or use --force to end them`);
}

/** Refuses, whatever the force, while the node has recordings not fully uploaded. */
export async function refusePendingUploads(client: AdminClient, s: Server): Promise<void> {
  const uploads = await client.call<InFlight>('GET', apiPath('servers', s.id, 'pending-uploads'));
  if (uploads.count > 0) {
    const ids = uploads.recordIds.slice(0, 3).join(', ') + (uploads.count > 3 ? ', …' : '');
    throw new CliError(`Server ${s.url} has ${uploads.count} recording(s) not fully uploaded (${ids}): let the uploads finish before removing it (docs/node-lifecycle.md)`);
  }
}

export async function removeServer(client: AdminClient, s: Server, force: boolean): Promise<void> {
  if (hasMeetings(s) && !force) throw refuseBusy(s);
  await refusePendingUploads(client, s);
  if (hasMeetings(s)) {
    await client.call('POST', apiPath('servers', s.id, 'panic'), { keepState: false });
  }
  await client.call('DELETE', apiPath('servers', s.id));
}
