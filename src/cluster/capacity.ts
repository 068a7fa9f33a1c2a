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
