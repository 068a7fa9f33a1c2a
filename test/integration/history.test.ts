import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { readPoolHistory, readServerHistory } from '../../src/store/history-samples';
import { MetricsStore } from '../../src/store/metrics';
import { call, counters, nodes, registerServers, resetAll, runPoll, sim, startCounting } from './support';

const PERIOD = 5 * 60_000;
const sql = () => services(env).sql;

async function clearHistory(): Promise<void> {
  await sql().query('DELETE FROM server_samples');
  await sql().query('DELETE FROM pool_samples');
  await sql().query('DELETE FROM tenant_usage_days');
}

beforeEach(async () => {
  await resetAll();
  await clearHistory();
});

describe('history the poll keeps', () => {
  it('the first cycle of a 5-minute period writes one sample in one statement; the others write none', async () => {
    const ids = await registerServers(2);
    await clearHistory();
    await call('create', { meetingID: 'h-1', name: 'Room' });
    const placed = (await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings.length ? 0 : 1;
    for (const [name, video] of [['Ann', true], ['Bob', false]] as const) {
      await sim(`/nodes/${nodes[placed]!.id}/meetings/h-1/users`, { body: { fullName: name, role: 'VIEWER', video } });
    }
    const start = Math.floor(Date.now() / PERIOD) * PERIOD;

    await runPoll({}, start + 61_000);
    await startCounting();
    await runPoll({}, start + 121_000);
    const quiet = await counters();
    await startCounting();
    await runPoll({}, start + PERIOD + 1_000);
    const sampling = await counters();
    // Two Redis reads (poll stats, counters: metrics are off here, so one) and one Postgres statement.
    expect(sampling.postgres - quiet.postgres).toBe(1);
    expect(sampling.redis - quiet.redis).toBe(1);

    const pool = await readPoolHistory(sql(), new Date(start));
    const at = new Date(start + PERIOD).toISOString().replace('.000Z', '+00:00');
    expect(pool).toEqual([expect.objectContaining({ at, servers: 2, serversFailed: 0, apiErrorsTotal: null, meetings: 1, participants: 2, videoStreams: 1 })]);
    expect(await readServerHistory(sql(), ids[placed]!, new Date(start))).toEqual([
      { at, answered: true, meetings: 1, participants: 2, videoStreams: 1, load: expect.any(Number), pollFailures: 0 },
    ]);
    const usage = await sql().query('SELECT tenant_id, meeting_minutes, participant_minutes, peak_participants FROM tenant_usage_days');
    expect(usage).toEqual([{ tenant_id: 'default', meeting_minutes: '5', participant_minutes: '10', peak_participants: 2 }]);
  });

  it('a sample time written twice counts once, and samples older than 7 days are purged', async () => {
    await registerServers(1);
    await clearHistory();
    await call('create', { meetingID: 'h-2', name: 'Room' });
    await sql().query(
      `INSERT INTO pool_samples (sampled_at, poll_ms, servers, servers_failed) VALUES (now() - interval '8 days', 1, 1, 0)`,
    );
    await sql().query(
      `INSERT INTO server_samples (sampled_at, server_id, answered, meetings, participants, video_streams, poll_failures)
       VALUES (now() - interval '8 days', 'gone', true, 0, 0, 0, 0)`,
    );
    const at = Math.floor(Date.now() / PERIOD) * PERIOD + 500;
    await runPoll({}, at);
    await runPoll({}, at + 1_000);
    expect(await sql().query('SELECT count(*)::int AS n FROM pool_samples')).toEqual([{ n: 1 }]);
    expect(await sql().query('SELECT count(*)::int AS n FROM server_samples')).toEqual([{ n: 1 }]);
    expect(await sql().query('SELECT meeting_minutes FROM tenant_usage_days')).toEqual([{ meeting_minutes: '5' }]);
  });

  it('with metrics on, the pool sample keeps the running totals of API errors, failed joins and import delay', async () => {
    await registerServers(1);
    await clearHistory();
    const svc = services(env);
    await new MetricsStore(svc.redis, svc.cfg.redis.namespace).add(
      new Map([
        ['scaleflare_api_requests_total{call="join",result="SUCCESS"}', 40],
        ['scaleflare_api_requests_total{call="join",result="notFound"}', 3],
        ['scaleflare_api_requests_total{call="getMeetingInfo",result="notFound"}', 4],
        ['scaleflare_join_failures_total{reason="notFound"}', 3],
        ['scaleflare_recording_import_delay_seconds_bucket{le="60"}', 2],
        ['scaleflare_recording_import_delay_seconds_bucket{le="300"}', 1],
        ['scaleflare_recording_import_delay_seconds_sum_ms', 150_500],
      ]),
    );
    const at = Math.floor(Date.now() / PERIOD) * PERIOD;
    await runPoll({ METRICS_TOKEN: 'history-metrics-token' }, at + 500);
    expect(await readPoolHistory(sql(), new Date(at))).toEqual([
      expect.objectContaining({ apiErrorsTotal: 7, joinFailuresTotal: 3, importsTotal: 3, importDelaySecondsTotal: 150.5 }),
    ]);
  });

  it('an unreachable server is sampled with its failed polls in a row', async () => {
    const [id] = await registerServers(1);
    await clearHistory();
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'html' } });
    const at = Math.floor(Date.now() / PERIOD) * PERIOD + 500;
    await runPoll({}, at - PERIOD + 70_000);
    await runPoll({}, at);
    await sim(`/nodes/${nodes[0]!.id}/fault`, { body: { type: 'none' } });
    const since = new Date(at - PERIOD);
    expect(await readServerHistory(sql(), id!, since)).toEqual([expect.objectContaining({ answered: false, load: null, pollFailures: 2 })]);
    expect(await readPoolHistory(sql(), since)).toEqual([expect.objectContaining({ servers: 1, serversFailed: 1, pollFailuresTotal: 2, maxLoad: null })]);
  });
});
