// A real third-party client against the simulator: if bigbluebutton-js works with it, its signing,
// URLs and XML are what BBB clients expect.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator';

interface BbbJs {
  api(host: string, secret: string): {
    administration: {
      create(name: string, id: string, params?: Record<string, string>): string;
      join(fullName: string, meetingID: string, password: string, params?: Record<string, string>): string;
      end(meetingID: string, password: string): string;
    };
    monitoring: { getMeetingInfo(id: string): string; isMeetingRunning(id: string): string; getMeetings(): string };
  };
  http(url: string): Promise<Record<string, any>>;
}

// Loaded untyped on purpose: the package ships no types.
const bbb = createRequire(import.meta.url)('bigbluebutton-js') as BbbJs;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ nodes: 1 });
});
afterAll(() => sim.stop());

it('bigbluebutton-js 0.2.0 can create, join, poll and end', async () => {
  const node = sim.nodes[0]!;
  const api = bbb.api(node.url.replace(/\/api$/, ''), node.secret);
  const created = await bbb.http(api.administration.create('Büro *Test* (1) & co', 'js-1', { 'meta_bbb-origin': 'Moodle', record: 'true' }));
  expect(created).toMatchObject({ returncode: 'SUCCESS', meetingID: 'js-1', messageKey: '' });

  const info = await bbb.http(api.monitoring.getMeetingInfo('js-1'));
  // bigbluebutton-js's parser leaves entities alone, so it sees BBB's escaping.
  expect(info).toMatchObject({ meetingName: 'Büro *Test* (1) &amp; co', recording: true, metadata: { 'bbb-origin': 'Moodle' } });

  const join = await fetch(api.administration.join('Zoë', 'js-1', info.moderatorPW), { redirect: 'manual' });
  expect(join.status).toBe(302);
  await fetch(join.headers.get('location')!);
  expect(await bbb.http(api.monitoring.isMeetingRunning('js-1'))).toMatchObject({ running: true });
  const list = await bbb.http(api.monitoring.getMeetings());
  expect(list.meetings).toHaveLength(1);
  expect(list.meetings[0]).toMatchObject({ participantCount: 1, moderatorCount: 1, attendees: { attendee: { fullName: 'Zoë' } } });

  expect(await bbb.http(api.administration.end('js-1', info.moderatorPW))).toMatchObject({ messageKey: 'sentEndMeetingRequest' });
  expect(await bbb.http(api.monitoring.getMeetingInfo('js-1'))).toMatchObject({ returncode: 'FAILED', messageKey: 'notFound' });
});

it("fails bigbluebutton-js on an apostrophe, as real BBB does: the client signs ' but sends %27", async () => {
  const node = sim.nodes[0]!;
  const api = bbb.api(node.url.replace(/\/api$/, ''), node.secret);
  expect(await bbb.http(api.administration.create("Anne's room", 'js-2'))).toMatchObject({ messageKey: 'checksumError' });
  expect(sim.node(node.id).callLog().recent.at(-1)?.rawQuery).toContain('Anne%27s');
});
