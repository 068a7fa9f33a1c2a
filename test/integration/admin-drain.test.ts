import { beforeEach, describe, expect, it } from 'vitest';
import { v1 } from './admin-v1-support';
import { nodes, registerServers, resetAll, runPoll, sim } from './support';

beforeEach(resetAll);

const idle = { processing: 0, processingRecordIds: [], pendingUpload: 0, pendingRecordIds: [] };

describe('admin API v1: drain', () => {
  it('POST cordons and answers the progress; done only once a poll disabled it empty', async () => {
    const [id] = await registerServers(1);
    await sim(`/nodes/${nodes[0]!.id}/seed`, { body: { meetings: 1 } });
    await runPoll();

    expect(await v1('POST', `/servers/${id}/drain`)).toMatchObject({ status: 200, json: { state: 'cordoned', meetings: 1, ...idle, done: false } });
    const [meeting] = (await sim(`/nodes/${nodes[0]!.id}/meetings`)).meetings;
    await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(meeting.meetingID)}/end`, { body: {} });
    // No poll has seen it empty yet: not done, whatever the count says.
    expect((await v1('GET', `/servers/${id}/drain`)).json).toMatchObject({ state: 'cordoned', done: false });
    await runPoll();
    expect((await v1('GET', `/servers/${id}/drain`)).json).toEqual({ state: 'disabled', meetings: 0, ...idle, done: true });

    // Drained again, a disabled server is cordoned so the poll looks at it again.
    expect((await v1('POST', `/servers/${id}/drain`)).json).toMatchObject({ state: 'cordoned', done: false });
    await runPoll();
    expect((await v1('GET', `/servers/${id}/drain`)).json.done).toBe(true);
  });

  it('404 for an unknown server; 401 without the token', async () => {
    expect(await v1('GET', '/servers/nope/drain')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await v1('POST', '/servers/nope/drain')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect((await v1('POST', '/servers/nope/drain', undefined, { token: null })).status).toBe(401);
  });
});
