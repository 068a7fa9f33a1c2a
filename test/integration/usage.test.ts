import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { tenantV1, v1 } from './admin-v1-support';
import { seed } from './recordings-api-support';
import { call, counters, nodes, registerServers, resetAll, resetTenants, runPoll, sim, startCounting } from './support';

const PERIOD = 5 * 60_000;
const sql = () => services(env).sql;
const today = () => new Date().toISOString().slice(0, 10);
const zeros = { meetingsCreated: 0, meetingMinutes: 0, participantMinutes: 0, peakParticipants: 0, recordings: 0, recordingBytes: 0 };

beforeEach(async () => {
  await resetAll();
  await resetTenants();
  await sql().query('DELETE FROM recordings');
  await sql().query('DELETE FROM tenant_usage_days');
  await sql().query('DELETE FROM pool_samples');
});

describe('GET /admin/v1/usage', () => {
  it("adds up a tenant's day from the poll's samples, the meeting history and the recording index", async () => {
    await registerServers(1);
    const acme = (await tenantV1('POST', '/tenants', { name: 'acme', secrets: ['acme-secret'] })).json.id as string;
    await call('create', { meetingID: 'u-1', name: 'Room' });
    for (const name of ['Ann', 'Bob', 'Cy']) await sim(`/nodes/${nodes[0]!.id}/meetings/u-1/users`, { body: { fullName: name, role: 'VIEWER' } });
    // Two samples of the same running meeting: 2 × 5 minutes, 2 × 3 × 5 participant-minutes
    // (a sample registerServers' poll may have taken, at no meeting, must not hold the time).
    await sql().query('DELETE FROM pool_samples');
    const start = Math.floor(Date.now() / PERIOD) * PERIOD;
    await runPoll({}, start - PERIOD + 1_000);
    await runPoll({}, start + 1_000);
    await seed({ recordID: 'kept', formats: [{ format: 'presentation', size: 1000 }, { format: 'video', size: 500 }] });
    await seed({ recordID: 'gone', formats: [{ format: 'presentation', size: 7 }] });
    await sql().query(`UPDATE recordings SET state = 'deleted', deleted_at = now() WHERE record_id = 'gone'`);
    await sql().query(`UPDATE recordings SET created_at = now() - interval '2 days'`);

    await startCounting();
    const res = await v1('GET', `/usage?from=${dayBefore(2)}&to=${today()}`);
    expect(await counters()).toEqual({ postgres: 1, redis: 0 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ from: dayBefore(2), to: today(), sampleMinutes: 5 });
    const byTenant = (t: string) => res.json.days.filter((d: any) => d.tenant === t);
    // Start of period 1 may fall on yesterday (UTC midnight): sum the days rather than pick one.
    const sum = (rows: any[], k: string) => rows.reduce((n, d) => n + d[k], 0);
    const mine = byTenant('default');
    expect(mine.map((d: any) => d.day)).toEqual([dayBefore(2), dayBefore(1), today()]);
    expect({ meetings: sum(mine, 'meetingMinutes'), participants: sum(mine, 'participantMinutes'), created: sum(mine, 'meetingsCreated') })
      .toEqual({ meetings: 10, participants: 30, created: 1 });
    expect(Math.max(...mine.map((d: any) => d.peakParticipants))).toBe(3);
    // Both recordings were stored two days ago; one was deleted today.
    expect(mine.map((d: any) => [d.recordings, d.recordingBytes])).toEqual([[2, 1507], [2, 1507], [1, 1500]]);
    expect(byTenant(acme)).toEqual([dayBefore(2), dayBefore(1), today()].map((day) => ({ tenant: acme, day, ...zeros })));

    const one = await tenantV1('GET', `/usage?tenant=${acme}&from=${today()}&to=${today()}`);
    expect(one.json.days).toEqual([{ tenant: acme, day: today(), ...zeros }]);
  });

  it('defaults to the last 7 days; refuses a reversed or too long range (400) and an unknown tenant (404); needs the token', async () => {
    const week = await v1('GET', '/usage');
    expect(week.json).toMatchObject({ from: dayBefore(6), to: today() });
    expect(week.json.days).toHaveLength(7);
    expect((await v1('GET', `/usage?from=${today()}&to=${dayBefore(1)}`)).json.error.code).toBe('validation_error');
    expect((await v1('GET', '/usage?from=2020-01-01&to=2022-01-01')).status).toBe(400);
    expect((await v1('GET', '/usage?from=2026-13-01')).status).toBe(400);
    expect((await v1('GET', '/usage?tenant=nobody')).status).toBe(404);
    expect((await v1('GET', '/usage', undefined, { token: null })).status).toBe(401);
  });
});

function dayBefore(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}
