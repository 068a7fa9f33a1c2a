import { randomBytes } from 'node:crypto';
import type { Server } from './api-types.js';
import { tagTexts, succeed, type BbbApi } from './check-bbb.js';
import type { Step } from './check-steps.js';
import type { AdminClient } from './client.js';
import { CliError } from './errors.js';
import { apiPath, listServers } from './resolve.js';

/**
 * `check --create-meetings`: test meetings (`scaleflare-check-<random>`) are placed over the enabled
 * servers, stay on their node, and a cordoned server gets none. Every meeting made is ended in the
 * last step, which runs even when the others failed.
 */

export interface MeetingCheckOptions {
  api: BbbApi;
  client: AdminClient;
  /** How many meetings; twice the enabled servers unless given. */
  count: number | undefined;
  /** May cordon one enabled server for the test (restored afterwards). */
  allowCordon: boolean;
}

export const host = (url: string) => new URL(url).host;
const run = randomBytes(4).toString('hex');
const MODERATOR_PW = `mp-${randomBytes(8).toString('hex')}`;

/** Creates one test meeting twice and joins it: answers the node's host its join redirects to. */
async function createPinned(api: BbbApi, meetingID: string): Promise<string> {
  const params = { meetingID, name: meetingID, moderatorPW: MODERATOR_PW, attendeePW: `ap-${run}` };
  const [first, second] = [await succeed(api, 'create', params), await succeed(api, 'create', params)];
  const internal = tagTexts(first.xml, 'internalMeetingID')[0];
  if (!internal || internal !== tagTexts(second.xml, 'internalMeetingID')[0]) {
    throw new CliError(`${meetingID}: a second create made another meeting, so it is not pinned to its node`);
  }
  const join = await api.call('join', { meetingID, fullName: 'scaleflare check', password: MODERATOR_PW, redirect: 'true' });
  if (join.status < 300 || join.status > 399 || !join.location) throw new CliError(`${meetingID}: join answered HTTP ${join.status} without a redirect to a node`);
  return host(join.location);
}

/** Meetings per host, for the step's line. */
const spread = (hosts: string[]) =>
  [...new Set(hosts)]
    .sort()
    .map((h) => `${h} ${hosts.filter((x) => x === h).length}`)
    .join(', ');

export function meetingSteps(o: MeetingCheckOptions): Step[] {
  const created: string[] = [];
  let servers: Server[] = [];

  /** Creates `n` meetings; fails if one lands on a server outside `allowed`. */
  const place = async (n: number, allowed: Server[]): Promise<string[]> => {
    const hosts: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `scaleflare-check-${run}-${created.length + 1}`;
      created.push(id);
      hosts.push(await createPinned(o.api, id));
    }
    const allowedHosts = new Set(allowed.map((s) => host(s.url)));
    const stray = hosts.filter((h) => !allowedHosts.has(h));
    if (stray.length) throw new CliError(`meetings went to ${[...new Set(stray)].join(', ')}, which is not an enabled server (${spread(hosts)})`);
    return hosts;
  };
  const enabled = () => servers.filter((s) => s.state === 'enabled' && s.health.online);

  return [
    {
      name: 'test meetings spread over the enabled servers, each pinned to its node',
      run: async () => {
        servers = await listServers(o.client);
        if (enabled().length === 0) throw new CliError('no enabled server is online');
        const hosts = await place(o.count ?? 2 * enabled().length, enabled());
        // Fewer meetings than servers (--meetings) cannot reach every server.
        const idle = hosts.length < enabled().length ? [] : enabled().filter((s) => !hosts.includes(host(s.url)));
        if (idle.length) throw new CliError(`${idle.map((s) => host(s.url)).join(', ')} got no meeting (${spread(hosts)})`);
        const cordoned = servers.filter((s) => s.state === 'cordoned').length;
        return `${hosts.length} meetings: ${spread(hosts)}; a second create and the join stayed on the node${cordoned ? `; ${cordoned} cordoned server(s) got none` : ''}`;
      },
    },
    {
      name: 'a cordoned server gets no new meeting',
      run: async () => {
        if (!o.allowCordon) return { skipped: servers.some((s) => s.state === 'cordoned') ? 'checked above: the cordoned servers got none' : 'no server is cordoned; --allow-cordon cordons one for the test' };
        const [victim, ...rest] = enabled();
        if (!victim || rest.length === 0) return { skipped: 'needs two enabled servers online' };
        await o.client.call('PATCH', apiPath('servers', victim.id), { state: 'cordoned' });
        try {
          const hosts = await place(rest.length, rest);
          return `cordoned ${host(victim.url)} for the test: ${spread(hosts)}`;
        } finally {
          await o.client.call('PATCH', apiPath('servers', victim.id), { state: victim.state }).catch((e: Error) => {
            throw new CliError(`${host(victim.url)} is still cordoned, enable it by hand: ${e.message}`);
          });
        }
      },
    },
    {
      name: 'every test meeting ended',
      always: true,
      run: async () => {
        const left: string[] = [];
        for (const meetingID of created) {
          const a = await o.api.call('end', { meetingID, password: MODERATOR_PW });
          if (a.returncode !== 'SUCCESS' && a.messageKey !== 'notFound') left.push(meetingID);
        }
        if (left.length) throw new CliError(`still running, end them by hand: ${left.join(', ')}`);
        return `${created.length} ended`;
      },
    },
  ];
}
