import { poolHeadroom, type HeadroomResource } from '../cluster/capacity.js';
import type { ServerHealth } from '../store/cluster-state.js';
import type { ServerRow } from '../store/servers.js';
import { family } from './catalogue.js';
import type { Family, Sample } from './prometheus.js';

/**
 * The pool as a whole, from what the scrape already read (the server list and their health): how
 * long servers have been offline, their capacities, placement imbalance and the headroom left if
 * the largest server is lost. No storage access of its own.
 */

const RESOURCES: HeadroomResource[] = ['users', 'meetings'];
const CAPACITIES = [
  ['users', 'capacityUsers'],
  ['meetings', 'capacityMeetings'],
  ['video_streams', 'capacityVideoStreams'],
] as const;

/** Highest over lowest load, each plus 1 so idle servers give a ratio rather than a division by zero. */
export function imbalanceRatio(loads: number[]): number | undefined {
  if (loads.length < 2) return undefined;
  return (Math.max(...loads) + 1) / (Math.min(...loads) + 1);
}

export function poolFamilies(servers: ServerRow[], health: Map<string, ServerHealth>, named: (s: ServerRow) => Record<string, string>, now: number): Family[] {
  const inService = servers.flatMap((server) => {
    const h = health.get(server.id);
    return server.state === 'enabled' && h?.online ? [{ server, h, used: { users: h.users, meetings: h.meetings } }] : [];
  });
  const headroom = RESOURCES.map((resource) => ({ resource, value: poolHeadroom(inService, resource) }));
  const ratio = imbalanceRatio(inService.flatMap((s) => (s.h.load === null ? [] : [s.h.load])));
  return [
    family(
      'scaleflare_server_offline_since_seconds',
      servers.flatMap((s): Sample[] => {
        const h = health.get(s.id);
        if (!h || s.state === 'disabled') return [];
        return [{ labels: named(s), value: h.online || h.offlineSince === null ? 0 : Math.max(0, (now - h.offlineSince) / 1000) }];
      }),
    ),
    family(
      'scaleflare_server_capacity',
      servers.flatMap((s) => CAPACITIES.flatMap(([resource, field]) => (s[field] === null ? [] : [{ labels: { ...named(s), resource }, value: s[field] }]))),
    ),
    family('scaleflare_placement_imbalance_ratio', ratio === undefined ? [] : [{ value: ratio }]),
    family(
      'scaleflare_pool_headroom',
      headroom.flatMap(({ resource, value }) => (value === null ? [] : [{ labels: { resource }, value }])),
    ),
    family(
      'scaleflare_pool_headroom_known',
      headroom.map(({ resource, value }) => ({ labels: { resource }, value: value === null ? 0 : 1 })),
    ),
  ];
}
