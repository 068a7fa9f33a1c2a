import type { RecordingsInFlight, RecordingsMoved, Server } from './api-types.js';
import { secretValue, str, type Command, type Invocation } from './command.js';
import { CliError, usageError } from './errors.js';
import { print } from './output.js';
import { apiPath, findServer, listServers } from './resolve.js';
import { hasMeetings, removeServer } from './server-removal.js';

/**
 * `scaleflare servers replace <old> --new-url <new>`: rebuilding a node (docs/node-lifecycle.md#rebuilding-a-node).
 * The clean node is added with the old one's settings, cordoned until a poll sees it online, then
 * enabled; the old one is cordoned. Once the old one holds no meeting, nothing processing and
 * nothing pending upload (or with --force), its recordings are given to the new one and it is removed, which retires its
 * secret for uploads. Run again after a stop: each step already done is skipped.
 */

/** What the clean node inherits. Not the proxy basename: it follows the new host name. */
const inherited = (s: Server) => ({
  tag: s.tag,
  loadMultiplier: s.loadMultiplier,
  capacityUsers: s.capacityUsers,
  capacityMeetings: s.capacityMeetings,
  capacityVideoStreams: s.capacityVideoStreams,
});

async function addReplacement(inv: Invocation, old: Server, url: string): Promise<Server> {
  const known = (await listServers(inv.client)).find((s) => s.url === url);
  // A disabled server is not polled: cordoned, the next poll looks at it again.
  if (known?.state === 'disabled') await inv.client.call('PATCH', apiPath('servers', known.id), { state: 'cordoned' });
  if (known) return known;
  const given = str(inv.values, 'secret');
  if (!given) throw usageError('servers replace needs --secret <secret|-> for the new server');
  const added = await inv.client.call<Server>('POST', '/servers', { url, secret: await secretValue(inv, given), ...inherited(old), state: 'cordoned' });
  inv.out.write(`Added ${added.url} (${added.id}) cordoned, with the tag, load multiplier and capacity of ${old.url}\n`);
  return added;
}

export const replaceServerCommand: Command = {
  words: ['servers', 'replace'],
  usage: '<id|url|host> --new-url <url> --secret <secret|-> [--force]',
  summary: "Rebuild a node: add the clean one with the old one's settings, enable it once online, retire the old one and give its recordings to the new one",
  // --new-url: --url is the balancer's, on every command.
  options: { 'new-url': { type: 'string' }, secret: { type: 'string' }, force: { type: 'boolean' } },
  args: [1, 1],
  run: async (inv) => {
    const url = str(inv.values, 'new-url');
    if (!url) throw usageError('servers replace needs --new-url <url> of the clean node');
    const old = await findServer(inv.client, inv.args[0]!);
    if (old.url === url) throw usageError(`${url} is the server being replaced; the clean node needs its own host name`);
    const fresh = await addReplacement(inv, old, url);
    await inv.client.call('POST', '/poll');
    const now = await inv.client.call<Server>('GET', apiPath('servers', fresh.id));
    if (!now.health.online) {
      throw new CliError(`${url} is not online after a poll (${now.health.lastError || 'no answer'}): it stays cordoned. Fix it, then run this command again`);
    }
    if (now.state !== 'enabled') await inv.client.call('PATCH', apiPath('servers', fresh.id), { state: 'enabled' });
    const before = await inv.client.call<Server>('GET', apiPath('servers', old.id));
    if (before.state === 'enabled') await inv.client.call('PATCH', apiPath('servers', old.id), { state: 'cordoned' });
    const force = inv.values.force === true;
    const inFlight = await inv.client.call<RecordingsInFlight>('GET', apiPath('servers', old.id, 'recordings-in-flight'));
    const processing = inFlight.processing.count;
    const pendingUpload = inFlight.pendingUpload.count;
    if (!force && (hasMeetings(before) || processing > 0 || pendingUpload > 0)) {
      throw new CliError(
        `${url} is enabled and ${old.url} cordoned, but ${old.url} still has ${before.health.meetings} meeting(s), ${processing} recording(s) processing and ${pendingUpload} not fully uploaded: ` +
          `wait for them (scaleflare servers drain ${old.id} --wait), then run this command again; --force if the old node is gone for good`,
      );
    }
    const moved = await inv.client.call<RecordingsMoved>('POST', apiPath('servers', old.id, 'recordings', 'transfer'), { to: fresh.id });
    await removeServer(inv.client, before, force);
    const result = { old: old.id, new: fresh.id, ...moved };
    print(inv.out, result, () =>
      `Replaced ${old.url} by ${url} (${fresh.id}): ${moved.recordings} recording(s), ${moved.uploads} upload(s) and ${moved.processing} processing now belong to it; ` +
        `${old.url} removed, its secret no longer accepted for uploads\n`,
    );
  },
};
