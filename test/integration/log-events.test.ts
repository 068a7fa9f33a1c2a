// The Worker's logs as an operator reads them (docs/observability.md#logs): every line one JSON
// object with time, level, msg and requestId; events naming what changed (a node going offline,
// auto-panic, an admin change on either admin API); LOG_LEVEL; and never a secret.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IngestClient } from '../../scripts/recordings/ingest-client';
import { invalidateServers } from '../../src/cluster/server-cache';
import worker from '../../src/index';
import { services } from '../../src/services';
import { insertServer } from '../../src/store/servers';
import { insertTenant } from '../../src/store/tenants';
import { recordingFixture } from '../support/recordings-ingest-fixture';
import { ADMIN_ENV, OLD_TOKEN, tenantV1, TOKEN, v1 } from './admin-v1-support';
import { admin, BASE, bbb, call, envWith, hex, nodes, registerServers, resetAll, resetTenants, runPoll, SECRET, send, sim } from './support';

beforeEach(resetAll);
afterEach(() => {
  vi.restoreAllMocks();
  // LOG_LEVEL is the isolate's: the next configuration built sets it back.
  services(envWith());
});

const fault = (i: number, body: Record<string, unknown>) => sim(`/nodes/${nodes[i]!.id}/fault`, { body });
/** Node calls give up quickly, so a refused node costs the test little time. */
const quick = { CONNECT_TIMEOUT: '0.3', RESPONSE_TIMEOUT: '0.3' };
const fingerprint = async (s: string) => (await hex('sha256', s)).slice(0, 12);

/** Every line written while `step` ran, as written. */
async function written(step: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  }
  try {
    await step();
  } finally {
    vi.restoreAllMocks();
  }
  return lines;
}

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, any>);
const events = (lines: string[], msg: string) => parsed(lines).filter((l) => l.msg === msg);

async function cron(env: object): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('one log format', () => {
  it('every line is one JSON object with time, level, msg and requestId: BBB calls, both admin APIs, the cron, failures', async () => {
    // Registered through the admin API, but polled by the test itself, outside any request.
    const [id] = await registerServers(1);
    const lines = await written(async () => {
      await call('create', { meetingID: 'lf-1', name: 'Room' });
      await bbb('join', { meetingID: 'lf-1', fullName: 'Ann', role: 'VIEWER' });
      await bbb('getMeetingInfo', { meetingID: 'lf-1' }, { checksum: 'bad' });
      await v1('GET', '/servers');
      await v1('PATCH', `/servers/${id}`, { loadMultiplier: 3 });
      await v1('GET', '/servers', undefined, { token: 'wrong' });
      await cron(envWith());
    });
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) {
      expect(line, line).toMatch(/^\{.*\}$/);
      const l = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(l).slice(0, 4), line).toEqual(['time', 'level', 'msg', 'requestId']);
      expect(new Date(l.time as string).toISOString(), line).toBe(l.time);
      expect(['info', 'notice', 'warn', 'error'], line).toContain(l.level);
      expect(l.msg, line).toEqual(expect.any(String));
      expect(l.requestId, line).toEqual(expect.any(String));
    }
    // The cron's runs are followed like requests.
    expect(parsed(lines).find((l) => l.msg === 'poll')?.requestId).toMatch(/^poll-/);
  });

  it('request lines of BBB calls carry the meetingID and the meetingID the node knows', async () => {
    await registerServers(1);
    await call('create', { meetingID: 'lf-2', name: 'Room' });
    const lines = await written(() => bbb('join', { meetingID: 'lf-2', fullName: 'Ann', role: 'VIEWER' }));
    expect(events(lines, 'request')).toEqual([expect.objectContaining({ call: 'join', meetingID: 'lf-2', nodeMeetingID: 'lf-2', tenant: 'default' })]);

    // Another tenant's meetingID is scoped on the node.
    const MT = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' };
    try {
      const acme = await insertTenant(services(envWith()).sql, { name: 'logged', secrets: ['logged-secret'] });
      const scoped = await written(() => bbb('isMeetingRunning', { meetingID: 'lf-3' }, { host: 'logged', secret: 'logged-secret', env: MT }));
      expect(events(scoped, 'request')).toEqual([expect.objectContaining({ tenant: acme!.id, meetingID: 'lf-3', nodeMeetingID: `${acme!.id}~lf-3` })]);
    } finally {
      await resetTenants();
    }
  });
});

describe('events', () => {
  it('a node going offline: offline naming it, auto-panicked listing the meetings dropped, online when it is back', async () => {
    const [id] = await registerServers(1);
    await call('create', { meetingID: 'ev-1', name: 'Room' });
    await runPoll();
    const host = new URL(nodes[0]!.url).host;
    const thresholds = { SERVER_UNHEALTHY_THRESHOLD: '1', SERVER_PANIC_THRESHOLD: '2', ...quick };
    await fault(0, { type: 'refuse' });
    try {
      const first = await written(() => runPoll(thresholds));
      expect(events(first, 'server offline')).toEqual([
        expect.objectContaining({ level: 'warn', server: id, host, lastError: expect.stringMatching(/\S/), meetings: 1 }),
      ]);
      const second = await written(() => runPoll(thresholds));
      expect(events(second, 'server offline')).toEqual([]);
      expect(events(second, 'server auto-panicked')).toEqual([
        expect.objectContaining({ level: 'warn', server: id, host, meetingsDropped: [{ tenant: 'default', meetingID: 'ev-1' }] }),
      ]);
      // Once is enough: a dead node stays quiet until it changes again.
      const third = await written(() => runPoll(thresholds));
      expect(parsed(third).filter((l) => String(l.msg).startsWith('server '))).toEqual([]);
    } finally {
      await fault(0, { type: 'none' });
    }
    const back = await written(() => runPoll(thresholds));
    expect(events(back, 'server online')).toEqual([expect.objectContaining({ level: 'notice', server: id, host })]);
  });

  it('an admin change on either API: who by fingerprint, what, before → after; a cordoned server turning disabled; no secret anywhere', async () => {
    const [id, other] = await registerServers(2);
    const lines = await written(async () => {
      await v1('PATCH', `/servers/${other}`, { loadMultiplier: 2, secret: 'node-secret-rotated-by-hand' });
      await admin('updateServer', { id, server: { state: 'cordon' } });
      await runPoll();
    });
    const [byToken, bySecret] = events(lines, 'admin change');
    expect(byToken).toMatchObject({
      level: 'notice',
      api: 'v1',
      actor: await fingerprint(TOKEN),
      action: 'PATCH /servers/{id}',
      target: { id: other },
      changes: {
        loadMultiplier: { from: 1, to: 2 },
        secretFingerprint: { from: await fingerprint(nodes[1]!.secret), to: await fingerprint('node-secret-rotated-by-hand') },
      },
    });
    expect(bySecret).toMatchObject({
      api: 'scalelite',
      actor: await fingerprint(SECRET),
      action: 'updateServer',
      target: { id },
      changes: { state: { from: 'enabled', to: 'cordoned' } },
    });
    expect(events(lines, 'server disabled: cordoned and empty')).toEqual([
      expect.objectContaining({ level: 'notice', server: id, from: 'cordoned', to: 'disabled' }),
    ]);
    for (const secret of [TOKEN, OLD_TOKEN, SECRET, nodes[0]!.secret, nodes[1]!.secret, 'node-secret-rotated-by-hand']) {
      for (const line of lines) expect(line).not.toContain(secret);
    }
  });

  it("a tenant's settings change shows, its LRS credentials do not", async () => {
    const lrs = { endpoint: 'https://lrs.example.com/xapi', keycloak: { tokenUrl: 'https://kc.example.com/token', clientId: 'lb', clientSecret: 'kc-client-secret-1', username: 'u', password: 'kc-password-1' } };
    try {
      const lines = await written(async () => {
        const { json } = await tenantV1('POST', '/tenants', { name: 'audited', secrets: ['tenant-secret-1'], settings: { lrs } });
        await tenantV1('PATCH', `/tenants/${json.id}`, { settings: { lrs: { ...lrs, keycloak: { ...lrs.keycloak, clientSecret: 'kc-client-secret-2', password: 'kc-password-2' } } } });
      });
      const [created, changed] = events(lines, 'admin change');
      expect(created).toMatchObject({ action: 'POST /tenants', changes: { name: { from: null, to: 'audited' } } });
      expect(changed).toMatchObject({ action: 'PATCH /tenants/{id}', changes: { settings: { to: { lrs: { keycloak: { clientId: 'lb', clientSecret: '[redacted]', password: '[redacted]' } } } } } });
      for (const secret of ['tenant-secret-1', 'kc-client-secret-1', 'kc-client-secret-2', 'kc-password-1', 'kc-password-2']) {
        for (const line of lines) expect(line).not.toContain(secret);
      }
    } finally {
      await resetTenants();
    }
  });

  it('a refused admin call, a read and a dry run log no change', async () => {
    const [id] = await registerServers(1);
    const lines = await written(async () => {
      await v1('PATCH', `/servers/${id}`, { loadMultiplier: -1 });
      await v1('GET', `/servers/${id}`);
      await v1('POST', '/config/import?dryRun=true', (await v1('GET', '/config/export')).json);
      await admin('updateServer', { id: 'no-such-server', server: { state: 'cordon' } });
    });
    expect(events(lines, 'admin change')).toEqual([]);
  });
});

describe('recording events', () => {
  it('indexed names the recording, its meeting and node; refused names the recording, the node and why', async () => {
    const svc = services(envWith());
    for (const id of ['log-node-a', 'log-node-b']) {
      await insertServer(svc.sql, { id, url: `https://${id}.example.com/bigbluebutton/api`, secret: `${id}-secret`, tag: null, loadMultiplier: 1 });
    }
    invalidateServers();
    const node = (id: string) => new IngestClient({ baseUrl: BASE, serverId: id, secret: `${id}-secret`, send: (req) => send(req), partSize: 5 * 1024 * 1024 });
    const recordId = `${'cd'.repeat(20)}-${Date.now()}`;
    const upload = recordingFixture({ recordId, meetingId: 'log-room' }).map((f) => ({ ...f, data: new Blob([f.data]) }));
    const lines = await written(async () => {
      await node('log-node-a').uploadRecording(recordId, upload);
      await node('log-node-b').uploadRecording(recordId, upload).catch(() => undefined);
    });
    expect(events(lines, 'recording indexed')).toEqual([
      expect.objectContaining({ level: 'notice', tenant: 'default', recordID: recordId, meetingID: 'log-room', server: 'log-node-a', published: true }),
    ]);
    expect(events(lines, 'recording refused')[0]).toMatchObject({ level: 'warn', recordID: recordId, server: 'log-node-b', code: 'foreign_recording' });
    for (const line of lines) expect(line).not.toMatch(/log-node-[ab]-secret/);
  });
});

describe('LOG_LEVEL', () => {
  it('notice drops the per-request lines and keeps events and warnings', async () => {
    const [id] = await registerServers(1);
    const env = { ...ADMIN_ENV, LOG_LEVEL: 'notice' };
    const lines = await written(async () => {
      await call('create', { meetingID: 'lv-1', name: 'Room' }, { env });
      await v1('PATCH', `/servers/${id}`, { loadMultiplier: 2 }, { env });
    });
    expect(events(lines, 'request')).toEqual([]);
    expect(events(lines, 'admin change')).toHaveLength(1);
  });

  it('an unknown level is a configuration error naming LOG_LEVEL', async () => {
    expect(() => services(envWith({ LOG_LEVEL: 'verbose' }))).toThrow(/LOG_LEVEL/);
  });
});
