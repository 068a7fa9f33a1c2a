/**
 * What `npm run bench` sends and what it accepts as an answer. Plain data in, paths out, so the
 * load generator can run in the bench process or in a child process (jobs cross IPC as JSON).
 * Checksums are computed here with node:crypto, independently of src/bbb.
 */
import { createHash } from 'node:crypto';

export const ROUTES = [
  'static',
  'redis1',
  'eval',
  'evalsha',
  'join',
  'create',
  'create-existing',
  'getMeetingInfo',
  'isMeetingRunning',
] as const;
export type RouteName = (typeof ROUTES)[number];

export const ROUTE_INFO: Record<RouteName, { label: string; ceiling?: boolean; diagnostic?: boolean }> = {
  static: { label: 'ceiling: static 302', ceiling: true },
  redis1: { label: 'ceiling: 1 Upstash GET + 302', ceiling: true },
  eval: { label: 'diagnostic: 1 EVAL of LOOKUP + 302', diagnostic: true },
  evalsha: { label: 'diagnostic: 1 EVALSHA of LOOKUP + 302', diagnostic: true },
  join: { label: 'join (existing meeting)' },
  create: { label: 'create (new meeting)' },
  'create-existing': { label: 'create (existing meeting)' },
  getMeetingInfo: { label: 'getMeetingInfo' },
  isMeetingRunning: { label: 'isMeetingRunning' },
};

export type ChecksumAlg = 'sha1' | 'sha256';

export interface LoadJob {
  /** The Worker's own socket, e.g. http://127.0.0.1:43210 */
  baseUrl: string;
  route: RouteName;
  secret: string;
  checksum: ChecksumAlg;
  /** Meetings created before the run; join, getMeetingInfo, isMeetingRunning and create-existing spread over them. */
  meetingIDs: string[];
  /** Makes create's new meetingIDs unique across phases and rounds. */
  uniquePrefix: string;
  connections: number;
  durationSec: number;
  /** Requests per second over all connections; unset: as fast as the Worker answers. */
  rate?: number;
}

/** How many of the meetings getMeetingInfo and isMeetingRunning ask about. */
export const POLLED_ROOMS = 10;

/** The passwords every bench meeting is created with (a repeated create must send the same ones). */
export const PASSWORDS = { attendeePW: 'benchViewer1', moderatorPW: 'benchModerator1' } as const;

/** Node's `querystring` style (`%20` for spaces), as bigbluebutton-js sends. */
export function encode(params: [string, string][]): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** `/bigbluebutton/api/<call>?<query>&checksum=<hex of call + query + secret>` */
export function signedPath(call: string, params: [string, string][], secret: string, alg: ChecksumAlg): string {
  const query = encode(params);
  const checksum = createHash(alg).update(call + query + secret).digest('hex');
  return `/bigbluebutton/api/${call}?${query}&checksum=${checksum}`;
}

export function createParams(meetingID: string, name: string): [string, string][] {
  return [
    ['name', name],
    ['meetingID', meetingID],
    ['attendeePW', PASSWORDS.attendeePW],
    ['moderatorPW', PASSWORDS.moderatorPW],
    ['record', 'false'],
  ];
}

/** A generator of request paths for one job: every call gets its own (signed) path. */
export function pathGenerator(job: LoadJob): () => string {
  const { secret, checksum: alg, meetingIDs } = job;
  let n = 0;
  const meeting = () => meetingIDs[n % meetingIDs.length]!;
  switch (job.route) {
    case 'static':
      return () => '/__bench/static';
    case 'redis1':
      return () => '/__bench/redis1';
    case 'eval':
    case 'evalsha': {
      const route = job.route;
      return () => {
        const path = `/__bench/${route}?meetingID=${encodeURIComponent(meeting())}`;
        n++;
        return path;
      };
    }
    case 'join':
      return () => {
        const path = signedPath(
          'join',
          [
            ['fullName', `Bench User ${n}`],
            ['meetingID', meeting()],
            ['role', 'VIEWER'],
            ['userID', `bench-user-${n}`],
          ],
          secret,
          alg,
        );
        n++;
        return path;
      };
    case 'create':
      return () => {
        const id = `${job.uniquePrefix}-${n++}`;
        return signedPath('create', createParams(id, `Bench meeting ${id}`), secret, alg);
      };
    case 'create-existing':
      return () => {
        const id = meeting();
        n++;
        return signedPath('create', createParams(id, `Bench room ${id}`), secret, alg);
      };
    case 'getMeetingInfo':
    case 'isMeetingRunning': {
      const call = job.route;
      // A few rooms polled over and over, as LMS room pages do: their answers come from the
      // shared answer (1 Redis round trip, no node call) but for one node call per room and window.
      const rooms = meetingIDs.slice(0, POLLED_ROOMS);
      return () => {
        const path = signedPath(call, [['meetingID', rooms[n % rooms.length]!]], secret, alg);
        n++;
        return path;
      };
    }
  }
}

/** How answers were classified; anything but `ok` is an error of the run. */
export interface Tally {
  ok: number;
  /** HTTP status outside 2xx/3xx, or a status the call never answers with (e.g. 200 for join). */
  badStatus: Record<string, number>;
  /** BBB `FAILED` answers, by messageKey. */
  failed: Record<string, number>;
  /** 2xx/3xx, SUCCESS, but not the answer expected (e.g. create of a new meeting answering duplicateWarning). */
  unexpected: Record<string, number>;
  /** The first few bad answers, for the report. */
  samples: string[];
}

export function newTally(): Tally {
  return { ok: 0, badStatus: {}, failed: {}, unexpected: {}, samples: [] };
}

export function errorCount(t: Tally): number {
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return sum(t.badStatus) + sum(t.failed) + sum(t.unexpected);
}

const MESSAGE_KEY = /<messageKey>([^<]*)<\/messageKey>/;
const SUCCESS = '<returncode>SUCCESS</returncode>';

/** Classifies one answer of `route` into `tally`. */
export function classify(route: RouteName, status: number, body: string, location: string | undefined, tally: Tally): void {
  const bad = (bucket: Record<string, number>, key: string) => {
    bucket[key] = (bucket[key] ?? 0) + 1;
    if (tally.samples.length < 5) tally.samples.push(`HTTP ${status} ${location ? `-> ${location.slice(0, 80)} ` : ''}${body.slice(0, 200)}`);
  };
  const redirect = route === 'static' || route === 'redis1' || route === 'eval' || route === 'evalsha' || route === 'join';
  if (redirect) {
    if (status !== 302 || !location) return bad(tally.badStatus, String(status));
    if (route === 'join' && !(location.includes('/join?') && location.includes('checksum='))) return bad(tally.unexpected, 'join redirect');
    tally.ok++;
    return;
  }
  if (status !== 200) return bad(tally.badStatus, String(status));
  if (!body.includes(SUCCESS)) return bad(tally.failed, MESSAGE_KEY.exec(body)?.[1] ?? 'no returncode');
  const duplicate = body.includes('<messageKey>duplicateWarning</messageKey>');
  if (route === 'create' && duplicate) return bad(tally.unexpected, 'duplicateWarning for a new meeting');
  if (route === 'create-existing' && !duplicate) return bad(tally.unexpected, 'existing meeting created anew');
  tally.ok++;
}
