/** A meeting as the voice bridge hash names its owner, and as its route and answer keys end. */
export const meetingOwner = (tenant: string, meetingID: string) => `${tenant}:${meetingID}`;

/**
 * Every Redis key Scaleflare uses, tenant-scoped from the start, and the only place that names
 * them: the Lua scripts in ./lua get theirs in KEYS, or, for a key named by what the script reads
 * (a route's server, a zset's candidates, an index's meetings), as a family below.
 */
export function keys(ns: string) {
  const routeOf = (owner: string) => `${ns}:route:${owner}`;
  const answerOf = (call: string, owner: string) => `${ns}:answer:${call}:${owner}`;
  const server = (id: string) => `${ns}:server:${id}`;
  const load = (tag: string) => `${ns}:load:${tag}`;
  return {
    /** hash: s = server id, v = voice bridge, p = moderator password, t = placed at (ms), c = recovery record; expires. */
    route: (tenant: string, meetingID: string) => routeOf(meetingOwner(tenant, meetingID)),
    /** hash: meetingID → JSON of what create told us, so getMeetings knows meetings younger than the last poll. */
    meetings: (tenant: string) => `${ns}:meetings:${tenant}`,
    /** hash: server config mirror plus health and stats, written by the poller and the admin API; suspect = ms of the latest failed call, suspectCause = what failed. */
    server,
    /** set of server ids the mirror knows. */
    servers: () => `${ns}:servers`,
    /** string: the tenants (ids, names, secrets, settings) as the poller last read them, for isolates that start while Postgres is down. */
    tenants: () => `${ns}:tenants`,
    /** zset per tag ('none' = untagged): enabled and online servers by load; placement candidates. */
    load,
    /** hash: voice bridge pin → "tenant:meetingID", unique across the whole pool. */
    voiceBridges: () => `${ns}:vb`,
    /** hash: server id → JSON list of that server's meetings at the last poll (per tenant). */
    snapshot: (tenant: string) => `${ns}:snapshot:${tenant}`,
    /** string: a node's getMeetingInfo/isMeetingRunning answer shared for a few seconds (call = info|running). */
    answer: (call: 'info' | 'running', tenant: string, meetingID: string) => answerOf(call, meetingOwner(tenant, meetingID)),
    /** hash: tenant → attendees on the pool at the last poll (for the tenant's attendee limit). */
    attendeeUsage: () => `${ns}:usage:attendees`,
    pollLock: () => `${ns}:poll:lock`,
    lastPoll: () => `${ns}:poll:last`,
    /** hash: Prometheus series (`name{labels}`) → count, summed from every isolate's batches. */
    metrics: () => `${ns}:metrics`,
    /** hash: the last cycle (at, ms, servers, online, failed) and running totals (cycles, failures). */
    pollStats: () => `${ns}:poll:stats`,
    /** string: a protected recording's one-time link (by nonce) has been used; expires with the link. */
    usedPlaybackLink: (nonce: string) => `${ns}:playback:used:${nonce}`,
    /** string: wrong checksums from one client (IP) in the current window; expires with the window. */
    checksumFailures: (client: string) => `${ns}:abuse:checksum:${client}`,
    /**
     * Key families for keys a script can only name once it has read data: each is the key with
     * an empty last part, and the script appends the id it read (a server id, a tag, an owner).
     */
    families: (): KeyFamilies => ({
      route: routeOf(''),
      info: answerOf('info', ''),
      running: answerOf('running', ''),
      server: server(''),
      load: load(''),
    }),
  };
}

export type Keys = ReturnType<typeof keys>;

/** See keys().families: route, info and running take an owner (meetingOwner), server an id, load a tag. */
export interface KeyFamilies {
  route: string;
  info: string;
  running: string;
  server: string;
  load: string;
}

/** The tag a server's load lives under. */
export const tagKey = (tag: string | null | undefined) => (tag ? tag : 'none');
