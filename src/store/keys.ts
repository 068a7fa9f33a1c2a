/**
 * Every Redis key Scaleflare uses, tenant-scoped from the start. The Lua scripts in ./lua build
 * the same names from the namespace they receive; keep the two in step.
 */
export function keys(ns: string) {
  return {
    /** hash: s = server id, v = voice bridge, p = moderator password, t = placed at (ms), c = recovery record; expires. */
    route: (tenant: string, meetingID: string) => `${ns}:route:${tenant}:${meetingID}`,
    /** hash: meetingID → JSON of what create told us, so getMeetings knows meetings younger than the last poll. */
    meetings: (tenant: string) => `${ns}:meetings:${tenant}`,
    /** hash: server config mirror plus health and stats, written by the poller and the admin API; suspect = ms of the latest failed call, suspectCause = what failed. */
    server: (id: string) => `${ns}:server:${id}`,
    /** set of server ids the mirror knows. */
    servers: () => `${ns}:servers`,
    /** string: the tenants (ids, names, secrets, settings) as the poller last read them, for isolates that start while Postgres is down. */
    tenants: () => `${ns}:tenants`,
    /** zset per tag ('none' = untagged): enabled and online servers by load; placement candidates. */
    load: (tag: string) => `${ns}:load:${tag}`,
    /** hash: voice bridge pin → "tenant:meetingID", unique across the whole pool. */
    voiceBridges: () => `${ns}:vb`,
    /** hash: server id → JSON list of that server's meetings at the last poll (per tenant). */
    snapshot: (tenant: string) => `${ns}:snapshot:${tenant}`,
    /** string: a node's getMeetingInfo/isMeetingRunning answer shared for a few seconds (call = info|running). */
    answer: (call: string, tenant: string, meetingID: string) => `${ns}:answer:${call}:${tenant}:${meetingID}`,
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
  };
}

export type Keys = ReturnType<typeof keys>;

/** The tag a server's load lives under. */
export const tagKey = (tag: string | null | undefined) => (tag ? tag : 'none');
