import type { Redis } from './redis.js';
import { keys, meetingOwner, tagKey, type KeyFamilies } from './keys.js';
import { run } from './lua/script.js';
import { PLACE } from './lua/place.js';
import { LOOKUP } from './lua/lookup.js';
import { FORGET } from './lua/forget.js';
import { PANIC } from './lua/panic.js';
import { SUSPECT } from './lua/suspect.js';

export interface Route {
  server: string;
  serverState: string;
  /** Online at the last poll and not suspect since. */
  online: boolean;
  placedAt: number;
  /** The node's shared answer for this call, when one is fresh ('info' and 'running' lookups). */
  answer: string;
  /** The meeting's recovery record, for a join whose server is not healthy ('' otherwise or when none was kept). */
  recovery: string;
}

/** What a lookup is for: a join counts load and drops shared answers; info/running read theirs. */
export type LookupMode = 'join' | 'info' | 'running' | '';

export type PlaceResult =
  | {
      status: 'existing' | 'new';
      server: string;
      voiceBridge: string;
      moderatorPW: string;
      placedAt: number;
      serverState: string;
      /** The server whose route this placement replaced because it was unhealthy or gone ('' when none). */
      lostFrom: string;
    }
  | { status: 'no_server' | 'full' | 'tag_unavailable' | 'vb_exhausted' | 'meetings_limit' | 'attendees_limit' };

export interface PlaceRequest {
  tenant: string;
  meetingID: string;
  now: number;
  ttlSeconds: number;
  tags: string[];
  tagsRequired: boolean;
  reserve: number;
  /** Users the meeting is expected to bring, checked against the servers' user capacity. */
  users: number;
  voiceBridges: string[];
  moderatorPW: string;
  /** Drop an existing route on this server instead of keeping it. */
  avoidServer?: string;
  /** What getMeetings shows for the meeting until the first poll sees it. */
  indexEntry: string;
  /** The tenant's limits on new meetings (-1: none): its meetings now, its attendees at the last poll. */
  limits?: { meetings: number; attendees: number };
  /** Kept with a new route so the meeting can be re-created elsewhere (src/cluster/recovery.ts). */
  recovery?: string;
}

/** Meeting routes: meeting → server, with the server's health, in one round trip each. */
export class RouteStore {
  private readonly k;
  private readonly families: KeyFamilies;

  constructor(
    private readonly redis: Redis,
    ns: string,
  ) {
    this.k = keys(ns);
    this.families = this.k.families();
  }

  /** The keys every script about one meeting touches first: route, index, shared answers. */
  private meetingKeys(tenant: string, meetingID: string): string[] {
    const k = this.k;
    return [k.route(tenant, meetingID), k.meetings(tenant), k.answer('info', tenant, meetingID), k.answer('running', tenant, meetingID)];
  }

  async place(r: PlaceRequest): Promise<PlaceResult> {
    const k = this.k;
    const tags = r.tags.filter(Boolean);
    const placeKeys = [...this.meetingKeys(r.tenant, r.meetingID), k.voiceBridges(), k.attendeeUsage(), ...tags.map(k.load), k.load(tagKey(null))];
    const out = await run(this.redis, PLACE, placeKeys, {
      meetingID: r.meetingID,
      tenant: r.tenant,
      owner: meetingOwner(r.tenant, r.meetingID),
      now: String(r.now),
      ttl: String(r.ttlSeconds),
      required: r.tagsRequired,
      reserve: r.reserve,
      users: r.users,
      voiceBridges: r.voiceBridges.filter(Boolean),
      moderatorPW: r.moderatorPW,
      avoidServer: r.avoidServer ?? '',
      indexEntry: r.indexEntry,
      maxMeetings: r.limits?.meetings ?? -1,
      maxAttendees: r.limits?.attendees ?? -1,
      recovery: r.recovery ?? '',
      server: this.families.server,
    });
    const status = out[0] as PlaceResult['status'];
    if (status !== 'existing' && status !== 'new') return { status };
    return {
      status,
      server: out[1]!,
      voiceBridge: out[2] ?? '',
      moderatorPW: out[3] ?? '',
      placedAt: Number(out[4]) || 0,
      serverState: out[5] ?? '',
      lostFrom: out[6] ?? '',
    };
  }

  async lookup(tenant: string, meetingID: string, mode: LookupMode = ''): Promise<Route | null> {
    const k = this.k;
    const lookupKeys = [k.route(tenant, meetingID), k.answer('info', tenant, meetingID), k.answer('running', tenant, meetingID)];
    const out = await run(this.redis, LOOKUP, lookupKeys, { mode, server: this.families.server, load: this.families.load });
    if (!out) return null;
    return {
      server: out[0]!,
      serverState: out[1] ?? '',
      online: out[2] === '1',
      placedAt: Number(out[3]) || 0,
      answer: out[4] ?? '',
      recovery: out[5] ?? '',
    };
  }

  /** Marks the server suspect for every isolate (lua/suspect.ts); true when it was not already. */
  async suspect(server: string, now: number, cause: string): Promise<boolean> {
    const was = await run(this.redis, SUSPECT, [this.k.server(server)], { server, now: String(now), cause, load: this.families.load });
    return Number(was) === 1;
  }

  /** Shares a node's answer for a few seconds, so a polling storm costs one node call per window. */
  async shareAnswer(mode: 'info' | 'running', tenant: string, meetingID: string, body: string, seconds: number): Promise<void> {
    await this.redis.set(this.k.answer(mode, tenant, meetingID), body, { ex: seconds });
  }

  /** Removes the route (only if it still points at `onlyServer`, when given) and returns it. */
  async forget(
    tenant: string,
    meetingID: string,
    onlyServer = '',
  ): Promise<{ server: string; voiceBridge: string; moderatorPW: string } | null> {
    const out = await run(this.redis, FORGET, [...this.meetingKeys(tenant, meetingID), this.k.voiceBridges()], {
      meetingID,
      owner: meetingOwner(tenant, meetingID),
      onlyServer,
    });
    if (!out) return null;
    return { server: out[0]!, voiceBridge: out[1] ?? '', moderatorPW: out[2] ?? '' };
  }

  /** Forgets every meeting routed to `server`; returns them so their node can be told to end them. */
  async forgetServer(
    server: string,
    tenants: string[],
  ): Promise<{ tenant: string; meetingID: string; moderatorPW: string }[]> {
    const k = this.k;
    const flat = await run(this.redis, PANIC, [k.voiceBridges(), ...tenants.flatMap((t) => [k.meetings(t), k.snapshot(t)])], {
      server,
      tenants,
      owners: tenants.map((t) => meetingOwner(t, '')),
      families: this.families,
    });
    const out = [];
    for (let i = 0; i + 2 < flat.length; i += 3) out.push({ tenant: flat[i]!, meetingID: flat[i + 1]!, moderatorPW: flat[i + 2]! });
    return out;
  }

  /** Keeps what the node answered to create, for getMeetings until the next poll. */
  async recordCreated(tenant: string, meetingID: string, entry: string): Promise<void> {
    await this.redis.hset(this.k.meetings(tenant), { [meetingID]: entry });
  }
}
