/**
 * What the CLI test files do around the commands under test: admin API calls straight to the
 * Worker (only the commands under test run as a process) and the simulator's control API.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect, inject } from 'vitest';
import { indexRecording } from '../../../src/store/recording-index';
import { DEFAULT_TENANT } from '../../../src/tenancy/tenant';
import { createSql } from '../../../src/store/postgres';

export type AdminApi = (p: string, method?: string, body?: unknown) => Promise<any>;

/** The JSON admin API of the Worker at `base()` (known once it started); any error fails the test. */
export function adminApi(base: () => string, token: string): AdminApi {
  return async (p, method = 'GET', body) => {
    const res = await fetch(`${base()}/admin/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, p).toBeLessThan(300);
    return res.json();
  };
}

export type Cli = (args: string[], env?: Record<string, string>, stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * `scaleflare <args>` as a child process against the Worker at `base()`, with more environment
 * and stdin when given; nothing it prints may carry the token, nor any of `hidden`.
 */
export function scaleflare(base: () => string, token: string, o: { env?: Record<string, string>; hidden?: string[] } = {}): Cli {
  return (args, env = {}, stdin = '') =>
    new Promise((resolve) => {
      const all = { ...process.env, SCALEFLARE_URL: base(), SCALEFLARE_TOKEN: token, ...o.env, ...env };
      const child = execFile(process.execPath, [path.resolve('bin/scaleflare.mjs'), ...args], { env: all }, (err, stdout, stderr) => {
        for (const secret of [token, ...(o.hidden ?? [])]) expect(stdout + stderr).not.toContain(secret);
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
      });
      child.stdin!.end(stdin);
    });
}

/** A POST to the simulator's control API (faults, seeds, reset). */
export async function simPost(controlUrl: string, p: string, body: unknown = {}): Promise<void> {
  const res = await fetch(controlUrl + p, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  expect(res.ok).toBe(true);
}

/** No server left over from this file or another one, and the simulated nodes as they started. */
export async function removeAllServers(api: AdminApi, controlUrl: string): Promise<void> {
  await simPost(controlUrl, '/reset');
  for (const s of (await api('/servers')).servers) await api(`/servers/${s.id}`, 'DELETE');
}

/** The test stack's Postgres, for what no admin API call does (seeding, simulating a lost row). */
export function db() {
  const { endpoints } = inject('stack');
  return createSql({ databaseUrl: endpoints.databaseUrl, neonHttpEndpoint: endpoints.neonHttpEndpoint, neonWsProxy: '' });
}

/** A published recording in the index, as if `serverId` had uploaded it (one presentation format). */
export async function indexPublished(sql: ReturnType<typeof db>, r: { recordId: string; meetingId: string; serverId: string }): Promise<void> {
  const meta = {
    recordId: r.recordId, meetingId: r.meetingId, internalMeetingId: r.recordId, name: r.meetingId, state: 'published', published: true,
    participants: 1, startTime: new Date(), endTime: new Date(), rawSize: null, isBreakout: false, parentMeetingId: null,
    breakoutSequence: null, metadata: {},
  };
  const playback = { format: 'presentation', url: `/playback/presentation/2.3/${r.recordId}`, length: 1, processingTime: null, size: 10, preview: [] };
  await indexRecording(sql, { tenant: DEFAULT_TENANT, serverId: r.serverId, meta: { ...meta, playback }, published: true, protectByDefault: false, formats: [playback] }, []);
}
