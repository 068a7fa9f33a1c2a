import type { ServerCapacity } from '../store/servers.js';

/**
 * A server's capacity as its operator set it (migration 0012): what the node can take in users,
 * meetings and video streams. null is unknown, and stays unknown: nothing here guesses it.
 */

export const CAPACITY_FIELDS = ['capacityUsers', 'capacityMeetings', 'capacityVideoStreams'] as const;

/** Only the capacities that are known, for documents that leave unknown ones out. */
export const knownCapacities = (c: Partial<ServerCapacity>): Partial<ServerCapacity> =>
  Object.fromEntries(CAPACITY_FIELDS.flatMap((k) => (c[k] == null ? [] : [[k, c[k]]])));

/** Every capacity, an absent one as unknown, for documents that say the whole configuration. */
export const capacitiesOrUnknown = (c: Partial<ServerCapacity>): ServerCapacity =>
  Object.fromEntries(CAPACITY_FIELDS.map((k) => [k, c[k] ?? null])) as ServerCapacity;

export type HeadroomResource = 'users' | 'meetings';

const CAPACITY_OF: Record<HeadroomResource, keyof ServerCapacity> = { users: 'capacityUsers', meetings: 'capacityMeetings' };

/**
 * What the pool can still take if its largest server in service is lost: the capacity of the
 * enabled online servers but the largest, less what they carry now (the lost node's load has to
 * go somewhere). Negative: the pool would not absorb the loss. null (unknown) when a server in
 * service has no capacity for the resource.
 */
export function poolHeadroom(inService: { server: ServerCapacity; used: Record<HeadroomResource, number> }[], resource: HeadroomResource): number | null {
  const caps = inService.map((s) => s.server[CAPACITY_OF[resource]]);
  if (caps.some((c) => c === null)) return null;
  const total = (caps as number[]).reduce((a, b) => a + b, 0);
  const used = inService.reduce((a, s) => a + s.used[resource], 0);
  return total - Math.max(0, ...(caps as number[])) - used;
}
