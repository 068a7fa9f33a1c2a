import { DEFAULT_TENANT } from './tenant.js';

/**
 * Two tenants may use the same meetingID: what the node sees is scoped by the tenant's id
 * (`<tenant id>~<meetingID>`, as bbblb and b3scale do), and mapped back in every answer, the poll
 * and recordings. The default tenant's IDs are sent as they are, so turning multitenancy on
 * changes nothing for existing meetings and recordings.
 */
const SEPARATOR = '~';

export function nodeMeetingID(tenant: string, meetingID: string): string {
  return tenant === DEFAULT_TENANT ? meetingID : `${tenant}${SEPARATOR}${meetingID}`;
}

/** The tenant and frontend meetingID of a node's meetingID; unknown prefixes belong to the default tenant. */
export function fromNodeMeetingID(nodeID: string, tenants: ReadonlySet<string>): { tenant: string; meetingID: string } {
  const i = nodeID.indexOf(SEPARATOR);
  if (i > 0) {
    const tenant = nodeID.slice(0, i);
    if (tenant !== DEFAULT_TENANT && tenants.has(tenant)) return { tenant, meetingID: nodeID.slice(i + 1) };
  }
  return { tenant: DEFAULT_TENANT, meetingID: nodeID };
}

/** A node's `<meeting>`/`<response>` with its meetingID (and a breakout's parent) as the frontend knows them. */
export function unscopeMeeting<T extends Record<string, unknown>>(meeting: T, tenant: string): T {
  if (tenant === DEFAULT_TENANT) return meeting;
  const prefix = `${tenant}${SEPARATOR}`;
  const strip = (v: unknown) => (typeof v === 'string' && v.startsWith(prefix) ? v.slice(prefix.length) : v);
  return { ...meeting, meetingID: strip(meeting.meetingID) };
}
