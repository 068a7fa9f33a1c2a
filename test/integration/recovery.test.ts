// A class survives its node (docs/node-lifecycle.md): a node found down on the request path makes
// its server suspect for every isolate, without waiting for the poll (never run here but where a
// test says so), and the meeting is re-created elsewhere by the next create or join, with the
// parameters its LMS gave; a node that comes back keeps no second copy.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { services } from '../../src/services';
import { listDeliveries } from '../../src/store/callbacks';
import { ADMIN_ENV, v1 } from './admin-v1-support';
import { received, receiver, resetCallbacks } from './callbacks-support';
import { parseExposition } from './exposition';
import { BASE, bbb, call, counters, nodes, registerServers, resetAll, runPoll, send, sim, startCounting, totalNodeCalls, type Xml } from './support';

beforeEach(resetAll);
afterEach(() => vi.restoreAllMocks());

const SLIDES = '<modules><module name="presentation"><document url="https://example.com/a.pdf" filename="a.pdf"/></module></modules>';
const CREATE = {
  meetingID: 'class',
  name: 'Physics 101',
  attendeePW: 'ap',
  moderatorPW: 'mp',
  record: 'true',
  welcome: 'Welcome',
  duration: '90',
  'meta_bbb-context': 'course-7',
  'meta_bbb-recording-ready-url': 'https://lms.example.com/ready',
  'meta_endCallbackUrl': 'https://lms.example.com/ended',
};

const fault = (i: number, body: Record<string, unknown>) => sim(`/nodes/${nodes[i]!.id}/fault`, { body });
const join = (o: Record<string, string> = {}) => bbb('join', { meetingID: 'class', fullName: 'Ann', role: 'VIEWER' }, { env: o });

/** Indexes (into `nodes`) of the nodes running the meeting, from the simulator's own state. */
async function runningOn(meetingID = 'class', count = 3): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const { meetings } = await sim(`/nodes/${nodes[i]!.id}/meetings`);
    if (meetings.some((m: { meetingID: string }) => m.meetingID === meetingID)) out.push(i);
  }
  return out;
}

/** A class created with slides on one of `count` nodes; returns that node and another. */
async function runningClass(count = 2): Promise<{ dead: number; other: number }> {
  await registerServers(count);
  const r = await call('create', CREATE, { method: 'POST', body: SLIDES, contentType: 'text/xml' });
  expect(r.returncode).toBe('SUCCESS');
  const [dead] = await runningOn();
  return { dead: dead!, other: dead === 0 ? 1 : 0 };
}

/** The unreachable node keeps its copy (as a partitioned node would) until it comes back and the poll ends it. */
const copies = (...where: number[]) => where.sort();

const redirectsTo = (res: Response, node: number) => {
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toContain(new URL(nodes[node]!.url).host);
};

describe('a node refusing connections', () => {
  it("the LMS's rejoin (getMeetingInfo, create, join) lands on the other node at once", async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'refuse' });
    const t0 = Date.now();
    // The failed call makes the server suspect; the meeting is not running until it is re-created.
    expect(await call('getMeetingInfo', { meetingID: 'class' })).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' });
    expect(await call('create', CREATE)).toMatchObject({ returncode: 'SUCCESS', meetingID: 'class', moderatorPW: 'mp' });
    redirectsTo(await join(), other);
    const ms = Date.now() - t0;
    // Generous sanity bound; docs/benchmarks.md has the measurement.
    expect(ms).toBeLessThan(10_000);
    expect(await runningOn()).toEqual(copies(dead, other));
  });

  it('a create that meets the dead node recovers in the same call', async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'refuse' });
    expect(await call('create', CREATE)).toMatchObject({ returncode: 'SUCCESS', meetingID: 'class' });
    expect(await runningOn()).toEqual(copies(dead, other));
  });

  it('a bare join link re-creates the meeting from what its LMS gave (params and XML body), 1 node call', async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'refuse' });
    // Someone's room page polls; the failure marks the server suspect for every isolate.
    expect(await call('isMeetingRunning', { meetingID: 'class' })).toMatchObject({ returncode: 'SUCCESS', running: 'false' });
    await startCounting();
    redirectsTo(await join(), other);
    // lookup, placement, then the meeting index in waitUntil; Postgres (callbacks, history) in waitUntil.
    expect({ ...(await counters()), backend: await totalNodeCalls() }).toMatchObject({ redis: 3, backend: 1 });
    const m = await sim(`/nodes/${nodes[other]!.id}/meetings/class`);
    expect(m).toMatchObject({ name: 'Physics 101', attendeePW: 'ap', moderatorPW: 'mp', recording: true, duration: 90 });
    expect(m.params).toMatchObject({ welcome: 'Welcome', 'meta_bbb-context': 'course-7' });
    expect(m.documents.map((d: { body: string }) => d.body)).toEqual([SLIDES]);
    // Callbacks stay with the balancer, as at the first create: recording-ready kept back, end through /callbacks/end/.
    expect(Object.keys(m.params).filter((k) => k.includes('recording-ready'))).toEqual([]);
    expect(m.params.meta_endCallbackUrl).toMatch(/\/callbacks\/end\//);
  });

  it('an XML body over the 64 KiB record is left out: the meeting comes back with its parameters only', async () => {
    await registerServers(2);
    const big = `<modules><module name="presentation">${'<document url="https://example.com/a.pdf" filename="a.pdf"/>'.repeat(1200)}</module></modules>`;
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect((await call('create', CREATE, { method: 'POST', body: big, contentType: 'text/xml' })).returncode).toBe('SUCCESS');
    const [dead] = await runningOn();
    const other = dead === 0 ? 1 : 0;
    await fault(dead!, { type: 'refuse' });
    await call('isMeetingRunning', { meetingID: 'class' });
    redirectsTo(await join(), other);
    const m = await sim(`/nodes/${nodes[other]!.id}/meetings/class`);
    expect(m).toMatchObject({ name: 'Physics 101', moderatorPW: 'mp' });
    expect(m.documents).toEqual([]);
  });

  it('two concurrent joins re-create the meeting once (three nodes: two placements would show)', async () => {
    const { dead } = await runningClass(3);
    await fault(dead, { type: 'refuse' });
    await call('isMeetingRunning', { meetingID: 'class' });
    const [a, b] = await Promise.all([join(), join()]);
    expect(a!.headers.get('location')).toBeTruthy();
    expect(new URL(a!.headers.get('location')!).host).toBe(new URL(b!.headers.get('location')!).host);
    const live = (await runningOn()).filter((i) => i !== dead);
    expect(live).toHaveLength(1);
    redirectsTo(a!, live[0]!);
  });

  it('the node coming back does not leave two copies: the poll ends the stale one', async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'refuse' });
    await call('isMeetingRunning', { meetingID: 'class' });
    redirectsTo(await join(), other);
    await fault(dead, { type: 'none' });
    // The node never lost its copy: both run until the poll sees them both.
    expect((await runningOn()).sort()).toEqual([0, 1]);
    await runPoll();
    expect(await runningOn()).toEqual([other]);
    redirectsTo(await join(), other);
    // And the answered poll clears the suspicion: the node takes new meetings again.
    for (let i = 0; i < 4; i++) await call('create', { meetingID: `after-${i}`, name: 'Room' });
    expect((await runningOn('after-0')).length + (await runningOn('after-1')).length).toBe(2);
    const perNode = await Promise.all([0, 1].map(async (i) => (await sim(`/nodes/${nodes[i]!.id}/meetings`)).meetings.length));
    expect(perNode[dead]).toBeGreaterThan(0);
  });

  it('a poll that began before the failure does not clear the suspicion; one that began after does', async () => {
    const { dead } = await runningClass();
    await fault(dead, { type: 'refuse' });
    const before = Date.now() - 1;
    await call('isMeetingRunning', { meetingID: 'class' });
    await fault(dead, { type: 'none' });
    await runPoll({}, before);
    expect((await call('getMeetingInfo', { meetingID: 'class' })).messageKey).toBe('notFound');
    await runPoll();
    expect(await call('getMeetingInfo', { meetingID: 'class' })).toMatchObject({ returncode: 'SUCCESS', meetingID: 'class' });
  });

  it('a suspect server takes no new meeting', async () => {
    const { dead } = await runningClass();
    await fault(dead, { type: 'refuse' });
    await call('isMeetingRunning', { meetingID: 'class' });
    await fault(dead, { type: 'none' });
    for (let i = 0; i < 4; i++) expect((await call('create', { meetingID: `new-${i}`, name: 'Room' })).returncode).toBe('SUCCESS');
    expect((await sim(`/nodes/${nodes[dead]!.id}/meetings`)).meetings.map((m: Xml) => m.meetingID)).toEqual(['class']);
  });

  it('MEETING_RECOVERY=off: a join to a suspect server answers serverUnavailable', async () => {
    const { dead } = await runningClass();
    await fault(dead, { type: 'refuse' });
    const off = { MEETING_RECOVERY: 'off' };
    expect(await call('isMeetingRunning', { meetingID: 'class' }, { env: off })).toMatchObject({ returncode: 'FAILED', messageKey: 'internalError' });
    expect(await call('join', { meetingID: 'class', fullName: 'Ann', role: 'VIEWER' }, { env: off })).toMatchObject({ messageKey: 'serverUnavailable' });
  });
});

describe('a node that stops answering (timeout)', () => {
  // RESPONSE_TIMEOUT left at its default: the headers of a request-path call get CONNECT_TIMEOUT alone.
  const quick = { CONNECT_TIMEOUT: '1' };

  it('one timeout is retried once; a second one makes the server suspect and the rejoin lands elsewhere', async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'timeout' });
    const t0 = Date.now();
    expect(await call('getMeetingInfo', { meetingID: 'class' }, { env: quick })).toMatchObject({ messageKey: 'notFound' });
    expect(await call('create', CREATE, { env: quick })).toMatchObject({ returncode: 'SUCCESS' });
    redirectsTo(await join(quick), other);
    // CONNECT_TIMEOUT, then the retry's 1 s, plus a generous margin for the calls themselves.
    expect(Date.now() - t0).toBeLessThan(1_000 + 1_000 + 1_500);
    await fault(dead, { type: 'none' });
  });

  it('a create with slides may take longer than CONNECT_TIMEOUT to answer (bbb-web downloads them first)', async () => {
    const { dead } = await runningClass();
    await fault(dead, { type: 'slow', call: 'create', delayMs: 1_500 });
    const r = await call('create', CREATE, { method: 'POST', body: SLIDES, contentType: 'text/xml', env: quick });
    expect(r).toMatchObject({ returncode: 'SUCCESS' });
    expect(await runningOn()).toEqual([dead]);
    await fault(dead, { type: 'none' });
  });
});

describe("a node whose nginx answers 502 (bbb-web down)", () => {
  it('is retried once, then suspect: the LMS rejoin lands elsewhere', async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'http502' });
    expect(await call('getMeetingInfo', { meetingID: 'class' })).toMatchObject({ messageKey: 'notFound' });
    expect(await call('create', CREATE)).toMatchObject({ returncode: 'SUCCESS' });
    redirectsTo(await join(), other);
    await fault(dead, { type: 'none' });
  });

  it('a plain HTTP 500 is an answer, not a death: no suspicion', async () => {
    const { dead } = await runningClass();
    await fault(dead, { type: 'http500' });
    expect(await call('getMeetingInfo', { meetingID: 'class' })).toMatchObject({ messageKey: 'internalError' });
    await fault(dead, { type: 'none' });
    redirectsTo(await join(), dead);
  });
});

describe('a node the poll declared offline', () => {
  it('a bare join link re-creates the meeting elsewhere', async () => {
    const { dead, other } = await runningClass();
    await fault(dead, { type: 'refuse' });
    await runPoll({ CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.3', SERVER_UNHEALTHY_THRESHOLD: '1' });
    redirectsTo(await join(), other);
    expect(await runningOn()).toEqual(copies(dead, other));
  });
});

describe('an operator sees suspicions and recoveries', () => {
  const seen = { ...ADMIN_ENV, METRICS_TOKEN: 'recovery-metrics-token' };
  const scrape = async (env: Record<string, string> = seen) =>
    parseExposition(await (await send(new Request(`${BASE}/metrics`, { headers: { Authorization: `Bearer ${seen.METRICS_TOKEN}` } }), env)).text());
  const sample = (m: ReturnType<typeof parseExposition>, name: string, labels: Record<string, string>) =>
    m.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  /** The JSON event lines written while `step` ran. */
  async function events(step: () => Promise<unknown>): Promise<Record<string, any>[]> {
    const lines: string[] = [];
    for (const level of ['log', 'warn'] as const) vi.spyOn(console, level).mockImplementation((l: unknown) => void lines.push(String(l)));
    try {
      await step();
    } finally {
      vi.restoreAllMocks();
    }
    return lines.map((l) => JSON.parse(l) as Record<string, any>);
  }

  it('the server shows suspect (since, cause) in the admin API; /metrics and the event lines name server, meeting and node-side ids', async () => {
    const ids = await registerServers(2);
    expect(await call('create', CREATE, { env: seen })).toMatchObject({ returncode: 'SUCCESS' });
    const [dead] = await runningOn();
    const other = dead === 0 ? 1 : 0;
    await fault(dead!, { type: 'refuse' });
    const t0 = Date.now();
    const lines = await events(async () => {
      expect(await call('isMeetingRunning', { meetingID: 'class' }, { env: seen })).toMatchObject({ running: 'false' });
      redirectsTo(await join(seen), other);
    });

    const { json } = await v1('GET', '/servers', undefined, { env: seen });
    const health = (i: number) => json.servers.find((s: { id: string }) => s.id === ids[i]).health;
    expect(health(dead!).suspect).toEqual({ since: expect.any(String), cause: 'network' });
    expect(Date.parse(health(dead!).suspect.since)).toBeGreaterThanOrEqual(t0);
    expect(health(other).suspect).toBeNull();
    expect((await v1('GET', `/servers/${ids[dead!]}`, undefined, { env: seen })).json.health.suspect).toMatchObject({ cause: 'network' });

    const metrics = await scrape();
    expect(sample(metrics, 'scaleflare_server_suspicions_total', { server: ids[dead!]!, cause: 'network' })).toBe(1);
    expect(sample(metrics, 'scaleflare_meeting_recoveries_total', { outcome: 'recreated' })).toBe(1);

    const suspect = lines.find((l) => l.msg === 'server suspect after a failed call');
    expect(suspect).toMatchObject({ level: 'warn', server: ids[dead!], cause: 'network', call: 'isMeetingRunning', meetingID: 'class', nodeMeetingID: 'class' });
    const recovered = lines.find((l) => l.msg === 'meeting recovered');
    expect(recovered).toMatchObject({ level: 'notice', meetingID: 'class', nodeMeetingID: 'class', from: ids[dead!], to: ids[other] });
    expect(recovered!.internalMeetingID).toMatch(/^[0-9a-f]{40}-\d+$/);
    // Never the create parameters it was re-created from.
    expect(JSON.stringify(lines)).not.toMatch(/"mp"|"ap"|lms\.example\.com/);

    // The first poll that hears the node again clears the mark.
    await fault(dead!, { type: 'none' });
    await runPoll();
    expect((await v1('GET', `/servers/${ids[dead!]}`, undefined, { env: seen })).json.health.suspect).toBeNull();
  });

  it('a join that cannot re-create its meeting is counted by why: off (MEETING_RECOVERY=off)', async () => {
    const off = { ...seen, MEETING_RECOVERY: 'off' };
    const { dead } = await runningClass();
    await fault(dead, { type: 'refuse' });
    expect(await call('isMeetingRunning', { meetingID: 'class' }, { env: off })).toMatchObject({ messageKey: 'internalError' });
    const lines = await events(() => call('join', { meetingID: 'class', fullName: 'Ann', role: 'VIEWER' }, { env: off }));
    expect(lines.find((l) => l.msg === 'meeting not recovered')).toMatchObject({ level: 'warn', outcome: 'off', meetingID: 'class' });
    expect(sample(await scrape(off), 'scaleflare_meeting_recoveries_total', { outcome: 'off' })).toBe(1);
  });
});

describe('the end callback of a copy the balancer ended', () => {
  const ALLOW = { CALLBACK_ALLOW_PRIVATE_URLS: 'true' };
  const sql = services(env).sql;
  /** The end callback URL a node was given at create (the balancer's, with its token). */
  const endUrlOn = async (i: number) => (await sim(`/nodes/${nodes[i]!.id}/meetings/class`)).params.meta_endCallbackUrl as string;
  /** The node calls back as bbb-web does when its meeting ends. */
  const nodeEnds = async (url: string) => (await send(new Request(`${url}?meetingID=class&recordingmarks=false`), ALLOW)).json();

  it('is not relayed to the LMS while the class goes on elsewhere; the live copy\'s end is', async () => {
    await resetCallbacks(sql);
    await registerServers(2);
    const create = { ...CREATE, meta_endCallbackUrl: `${receiver}/ended` };
    expect(await call('create', create, { env: ALLOW })).toMatchObject({ returncode: 'SUCCESS' });
    const [dead] = await runningOn();
    const other = dead === 0 ? 1 : 0;
    const staleUrl = await endUrlOn(dead!);
    await fault(dead!, { type: 'refuse' });
    await call('isMeetingRunning', { meetingID: 'class' }, { env: ALLOW });
    redirectsTo(await join(ALLOW), other);
    await fault(dead!, { type: 'none' });
    await runPoll();
    expect(await runningOn()).toEqual([other]);

    // The stale copy's node reports its end: accepted, nothing queued, nothing sent.
    expect(await nodeEnds(staleUrl)).toEqual({ status: 'ignored' });
    expect(await listDeliveries(sql, { tenant: 'default' })).toEqual([]);
    // The class ends where it runs now: the LMS hears it, once.
    expect(await nodeEnds(await endUrlOn(other))).toEqual({ status: 'accepted' });
    expect(await received('/ended')).toHaveLength(1);
  });
});
