import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../support/bbb-sim/simulator';
import { control, parse, signed } from './helpers';

describe('scale', () => {
  it('starts 200 nodes, serves one poll cycle of 10 meetings each, and stops quickly', async () => {
    let t = Date.now();
    const sim = await startSimulator({ nodes: 200 });
    const startMs = Date.now() - t;
    try {
      expect(new Set(sim.nodes.map((n) => n.port)).size).toBe(200);
      expect((await control(sim, 'POST', '/seed', { meetings: 10, usersPerMeeting: 5 })).json).toEqual({ meetings: 2000 });

      t = Date.now();
      const polls = await Promise.all(sim.nodes.map(async (n) => parse(await (await fetch(signed(n, 'getMeetings'))).text())));
      const pollMs = Date.now() - t;
      for (const r of polls) expect(r.meetings.meeting).toHaveLength(10);
      console.info(`200 nodes: start ${startMs} ms, getMeetings from all ${pollMs} ms`);
    } finally {
      t = Date.now();
      await sim.stop();
      console.info(`200 nodes: stop ${Date.now() - t} ms`);
    }
    expect(startMs).toBeLessThan(10_000);
    expect(Date.now() - t).toBeLessThan(5_000);
  });

  it('frees its ports on stop', async () => {
    const sim = await startSimulator({ nodes: 3 });
    const ports = sim.nodes.map((n) => n.port);
    await sim.stop();
    const again = await startSimulator({ nodes: ports.map((port) => ({ port })), controlPort: 0 });
    expect(again.nodes.map((n) => n.port)).toEqual(ports);
    await again.stop();
  });
});
