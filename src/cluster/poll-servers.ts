import { NodeCallError } from '../bbb/client.js';
import type { XmlNode, XmlObject } from '../bbb/xml.js';
import type { Config } from '../config.js';
import { forEachLimited } from './concurrency.js';
import { expectedUsers, serverLoad } from './load.js';
import { callServer } from './node.js';
import { describeError } from '../observability/log.js';
import type { PolledServer } from '../store/cluster-state.js';
import type { ServerRow } from '../store/servers.js';

/**
 * getMeetings of a busy node can be large; the client stops reading past this and the answer counts
 * as malformed. Measured: 200 meetings of 100 users each (20,000 attendees, several times what one
 * BBB node carries) weigh 6.3 MB in bbb-web 3.0's XML (the simulator's), so 16 MiB leaves 2.5x.
 */
const MAX_GET_MEETINGS_BYTES = 16 * 1024 * 1024;

export interface PollTarget {
  server: ServerRow;
  /** Whether the last poll found it online; offline servers get short timeouts. */
  online: boolean;
  /** Read bbbVersion from the API root as well (Scalelite's poll:versions). */
  readVersion: boolean;
}

export interface ServerPoll {
  result: NonNullable<PolledServer['result']>;
  meetings: XmlObject[];
  /** The node took the pending secret of a rotation: the coordinator promotes it. */
  secretNext?: true;
}

const list = (v: XmlNode | undefined): XmlObject[] =>
  (Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : []).filter(
    (m): m is XmlObject => !!m && typeof m === 'object' && !Array.isArray(m),
  );

const num = (v: XmlNode | undefined) => Number(typeof v === 'string' ? v : 0) || 0;

/** The meeting's `meta_bbb-meeting-size-hint`, as getMeetings gives it back under <metadata>. */
const sizeHint = (metadata: XmlNode | undefined): string | undefined => {
  const v = metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as XmlObject)['bbb-meeting-size-hint'] : undefined;
  return typeof v === 'string' ? v : undefined;
};

/** The node's bbbVersion ('' when it does not reveal it, allowRevealOfBBBVersion=false, or fails). */
async function readVersion(cfg: Config, target: PollTarget): Promise<string> {
  try {
    const res = await callServer(cfg, target.server, '', [], { online: target.online });
    const v = res.response.bbbVersion;
    return res.ok && typeof v === 'string' ? v.slice(0, 64) : '';
  } catch {
    return '';
  }
}

async function pollServer(cfg: Config, target: PollTarget, now: number): Promise<ServerPoll> {
  const { server } = target;
  let secretNext = false;
  try {
    const res = await callServer(cfg, server, 'getMeetings', [], {
      maxBytes: MAX_GET_MEETINGS_BYTES,
      online: target.online,
      slowHeaders: true,
      onSecretNext: () => (secretNext = true),
    });
    if (!res.ok) throw new Error(`${res.messageKey ?? 'FAILED'}: ${res.message ?? ''}`);
    const container = res.response.meetings;
    const meetings = list(container && typeof container === 'object' && !Array.isArray(container) ? container.meeting : undefined);
    const inputs = meetings.map((m) => ({
      participants: num(m.participantCount),
      videos: num(m.videoCount),
      createTime: num(m.createTime),
      isBreakout: m.isBreakout === 'true',
      expectedUsers: expectedUsers(sizeHint(m.metadata), cfg.load),
    }));
    return {
      meetings,
      ...(secretNext ? { secretNext: true as const } : {}),
      result: {
        online: true,
        load: serverLoad(inputs, server.loadMultiplier, cfg.load, now),
        meetings: meetings.length,
        users: inputs.reduce((a, m) => a + m.participants, 0),
        largestMeeting: inputs.reduce((a, m) => Math.max(a, m.participants), 0),
        videos: inputs.reduce((a, m) => a + m.videos, 0),
        error: '',
        version: target.readVersion ? await readVersion(cfg, target) : '',
      },
    };
  } catch (e) {
    const error = e instanceof NodeCallError ? `${e.kind}: ${e.message}` : describeError(e);
    return { meetings: [], result: { online: false, load: 0, meetings: 0, users: 0, largestMeeting: 0, videos: 0, error, version: '' } };
  }
}

/**
 * getMeetings (and, now and then, the API root for bbbVersion) on each target, at most
 * POLL_CONCURRENCY at a time (a Worker invocation may hold 6 connections), each bounded by its
 * timeouts. Touches no storage, so another invocation can run it for a shard of the pool.
 */
export async function pollServers(cfg: Config, targets: PollTarget[], now: number): Promise<[string, ServerPoll][]> {
  const out: [string, ServerPoll][] = [];
  await forEachLimited(targets, cfg.pollConcurrency, async (t) => void out.push([t.server.id, await pollServer(cfg, t, now)]));
  return out;
}
