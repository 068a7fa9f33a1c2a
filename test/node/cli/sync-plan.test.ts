/** The sync file's two forms and the plan each mode makes for unlisted servers (pure, no Worker). */
import { describe, expect, it } from 'vitest';
import type { ImportPlan, Server, ServerState } from '../../../scripts/cli/api-types';
import { syncDocument } from '../../../scripts/cli/sync-file';
import { importNeeded, syncPlan } from '../../../scripts/cli/sync-plan';

const server = (url: string, state: ServerState, meetings = 0): Server => ({
  id: url,
  url,
  tag: null,
  state,
  loadMultiplier: 1,
  proxyBasename: new URL(url).hostname.split('.')[0]!,
  proxyBasenameOverridden: false,
  secretFingerprint: '000000000000',
  secretRotationPending: false,
  secretNextFingerprint: null,
  capacityUsers: null,
  capacityMeetings: null,
  capacityVideoStreams: null,
  health: { online: true, load: 0, meetings, users: 0, largestMeeting: 0, videos: 0, version: '', lastPoll: null, lastError: '', failures: 0, panickedAt: null, offlineSince: null, suspect: null },
});

describe('sync file', () => {
  it("reads Scalelite's servers:sync map with its defaults", () => {
    const doc = syncDocument('f', {
      servers: { 'bbb1.example.com': { secret: 's1' }, b2: { secret: 's2', url: 'https://x/bigbluebutton/api', enabled: false, load_multiplier: 2, tag: 't' } },
    });
    expect(doc).toEqual({
      version: 1,
      servers: [
        { url: 'https://bbb1.example.com/bigbluebutton/api', secret: 's1', tag: null, loadMultiplier: 1, state: 'enabled' },
        { url: 'https://x/bigbluebutton/api', secret: 's2', tag: 't', loadMultiplier: 2, state: 'cordoned' },
      ],
      tenants: [],
    });
  });

  it('reads our capacity keys beside Scalelite\'s, and refuses unknown ones', () => {
    const doc = syncDocument('f', { servers: { b1: { secret: 's', capacity_users: 500, capacity_meetings: 40, capacity_video_streams: null } } });
    expect(doc.servers).toEqual([
      { url: 'https://b1/bigbluebutton/api', secret: 's', tag: null, loadMultiplier: 1, state: 'enabled', capacityUsers: 500, capacityMeetings: 40, capacityVideoStreams: null },
    ]);
    expect(() => syncDocument('f', { servers: { b1: { secret: 's', capacity: 5 } } })).toThrow(/unknown field\(s\) capacity /);
  });

  it('reads the export list, listed servers enabled unless they say otherwise', () => {
    const doc = syncDocument('f', { version: 1, servers: [{ url: 'https://a', secret: 's' }, { url: 'https://b', secret: 's', state: 'disabled' }], tenants: [{ name: 'acme' }] });
    expect(doc.servers.map((s) => s.state)).toEqual(['enabled', 'disabled']);
    expect(doc.tenants).toEqual([{ name: 'acme' }]);
  });

  it.each([
    [[], 'f: must be a map with servers and/or tenants'],
    [{ server: [] }, 'f: unknown top-level field(s) server (allowed: servers, tenants)'],
    [{ servers: 'x' }, 'f: servers must be a list or a map of id to server'],
    [{ tenants: {} }, 'f: tenants must be a list'],
    [{ servers: { a: {} } }, 'servers.a.secret is required'],
    [{ servers: { a: { secret: 's', loadMultiplier: 2 } } }, 'servers.a: unknown field(s) loadMultiplier (allowed: secret, url, enabled, load_multiplier, tag, capacity_users, capacity_meetings, capacity_video_streams)'],
    [{ servers: [{ url: 'https://a', secret: 's' }, { url: ' https://a', secret: 't' }] }, 'f: the server https://a is listed twice'],
    [{ servers: ['https://a'] }, 'servers[0]: must be a map with url and secret'],
  ])('refuses %j', (value, message) => {
    expect(() => syncDocument('f', value)).toThrow(message);
  });
});

describe('sync plan', () => {
  const listed: ImportPlan = { dryRun: true, servers: [{ url: 'https://a', action: 'update' }], tenants: [{ name: 'acme', action: 'unchanged' }] };
  const current = [server('https://a', 'enabled'), server('https://on', 'enabled'), server('https://off', 'disabled'), server('https://busy', 'cordoned', 3)];
  const actions = (mode: 'keep' | 'cordon' | 'force', force = false) => syncPlan(listed, current, mode, force).map((s) => [s.name, s.action, s.refused ?? false]);

  it('keep leaves unlisted servers alone', () => {
    expect(actions('keep')).toEqual([
      ['https://a', 'update', false],
      ['https://on', 'unchanged', false],
      ['https://off', 'unchanged', false],
      ['https://busy', 'unchanged', false],
      ['acme', 'unchanged', false],
    ]);
  });

  it('cordon cordons only enabled unlisted servers', () => {
    expect(actions('cordon').slice(1, 4)).toEqual([
      ['https://on', 'cordon', false],
      ['https://off', 'unchanged', false],
      ['https://busy', 'unchanged', false],
    ]);
  });

  it('force removes unlisted servers, refusing busy ones without --force', () => {
    expect(actions('force').slice(1, 4)).toEqual([
      ['https://on', 'remove', false],
      ['https://off', 'remove', false],
      ['https://busy', 'remove', true],
    ]);
    expect(actions('force', true)[3]).toEqual(['https://busy', 'remove', false]);
  });

  it('skips the import when everything listed is unchanged', () => {
    expect(importNeeded(listed)).toBe(true);
    expect(importNeeded({ ...listed, servers: [{ url: 'https://a', action: 'unchanged' }] })).toBe(false);
  });
});
