import { SERVER_STATES, type PanicReport, type ProxySettings, type Server, type ServerState } from './api-types.js';
import { oneOf, positive, secretValue, str, type Command, type Invocation, type Values } from './command.js';
import { usageError } from './errors.js';
import { print, table } from './output.js';
import { apiPath, findServer, listServers } from './resolve.js';
import { removeServer } from './server-removal.js';
import { rotateSecretCommand } from './server-secret.js';

/** `scaleflare servers …`: the pool's servers through /admin/v1/servers. */

/** users/meetings/video streams, `?` where unknown. */
const capacityText = (s: Server) => CAPACITIES.map(([, field]) => s[field] ?? '?').join('/');

export const serverRows = (servers: Server[]) =>
  table(
    ['ID', 'URL', 'TAG', 'STATE', 'ONLINE', 'LOAD', 'MULTIPLIER', 'CAPACITY', 'SECRET', 'PROXY BASENAME'],
    servers.map((s) => [
      s.id,
      s.url,
      s.tag,
      s.state,
      s.health.online ? 'online' : 'offline',
      s.health.load,
      s.loadMultiplier,
      capacityText(s),
      s.secretFingerprint,
      s.proxyBasename,
    ]),
  );

const proxySettingsText = (p: ProxySettings) =>
  [
    `basename:        ${p.basename}`,
    `client URL:      ${p.clientUrl}`,
    `allowed origin:  ${p.allowedOrigin}`,
    `proxied now:     ${p.enabled ? (p.proxied ? 'yes' : 'no (disabled, or its basename is shared)') : 'no (CLUSTER_PROXY_ENABLED is off)'}`,
    ...Object.entries(p.snippets).flatMap(([file, text]) => ['', `# ${file}`, text]),
  ].join('\n') + '\n';

const printServer = (inv: Invocation, s: Server) => print(inv.out, s, () => serverRows([s]));

/** Changes the server the first argument names and prints it. */
async function patchServer(inv: Invocation, patch: object): Promise<void> {
  const s = await findServer(inv.client, inv.args[0]!);
  printServer(inv, await inv.client.call<Server>('PATCH', apiPath('servers', s.id), patch));
}

const serverFields = {
  secret: { type: 'string' },
  tag: { type: 'string' },
  'load-multiplier': { type: 'string' },
  state: { type: 'string' },
  'proxy-basename': { type: 'string' },
  'capacity-users': { type: 'string' },
  'capacity-meetings': { type: 'string' },
  'capacity-video-streams': { type: 'string' },
} as const;

const CAPACITIES = [
  ['capacity-users', 'capacityUsers'],
  ['capacity-meetings', 'capacityMeetings'],
  ['capacity-video-streams', 'capacityVideoStreams'],
] as const;

/** The capacities given: a positive whole number, or empty for unknown. */
function capacitiesOf(v: Values): Record<string, number | null> {
  const given: Record<string, number | null> = {};
  for (const [option, field] of CAPACITIES) {
    const s = str(v, option);
    if (s === undefined) continue;
    if (s !== '' && !/^[1-9]\d*$/.test(s)) throw usageError(`--${option} must be a positive whole number (or '' for unknown), got ${JSON.stringify(s)}`);
    given[field] = s === '' ? null : Number(s);
  }
  return given;
}

async function fieldsOf(inv: Invocation) {
  const given = str(inv.values, 'secret');
  const secret = given === undefined ? undefined : await secretValue(inv, given);
  const tag = str(inv.values, 'tag');
  const loadMultiplier = positive(inv.values, 'load-multiplier');
  const state = oneOf(inv.values, 'state', SERVER_STATES);
  const proxyBasename = str(inv.values, 'proxy-basename');
  return {
    ...(secret !== undefined ? { secret } : {}),
    // An empty tag removes it, as Scalelite's servers:tag.
    ...(tag !== undefined ? { tag: tag || null } : {}),
    ...(loadMultiplier !== undefined ? { loadMultiplier } : {}),
    ...(state ? { state } : {}),
    // An empty basename goes back to the default, the first DNS label of the host.
    ...(proxyBasename !== undefined ? { proxyBasename: proxyBasename || null } : {}),
    ...capacitiesOf(inv.values),
  };
}

const setState = (state: ServerState, summary: string): Command => ({
  words: ['servers', state === 'enabled' ? 'enable' : state === 'cordoned' ? 'cordon' : 'disable'],
  usage: '<id|url|host>',
  summary,
  args: [1, 1],
  run: (inv) => patchServer(inv, { state }),
});

export const serverCommands: Command[] = [
  {
    words: ['servers', 'list'],
    usage: '',
    summary: 'Every server: id, URL, tag, state, online, load, multiplier, capacity, secret fingerprint',
    args: [0, 0],
    run: async (inv) => {
      const servers = await listServers(inv.client);
      print(inv.out, { servers }, () => serverRows(servers));
    },
  },
  {
    words: ['servers', 'add'],
    usage: '<url> --secret <secret|-> [--tag <tag>] [--load-multiplier <n>] [--state enabled|cordoned|disabled] [--proxy-basename <name>] [--capacity-users <n>] [--capacity-meetings <n>] [--capacity-video-streams <n>]',
    summary: 'Add a server (disabled unless --state says otherwise)',
    options: serverFields,
    args: [1, 1],
    run: async (inv) => {
      const fields = await fieldsOf(inv);
      if (!fields.secret) throw usageError('servers add needs --secret (or --secret - to read it from standard input)');
      printServer(inv, await inv.client.call<Server>('POST', '/servers', { url: inv.args[0], ...fields }));
    },
  },
  {
    words: ['servers', 'update'],
    usage: '<id|url|host> [--secret <secret|->] [--tag <tag>] [--load-multiplier <n>] [--state enabled|cordoned|disabled] [--proxy-basename <name>] [--capacity-users <n>] [--capacity-meetings <n>] [--capacity-video-streams <n>]',
    summary: "Change a server (an empty --tag removes the tag; an empty --proxy-basename restores the default; an empty --capacity-… makes it unknown)",
    options: serverFields,
    args: [1, 1],
    run: async (inv) => {
      const fields = await fieldsOf(inv);
      if (Object.keys(fields).length === 0) throw usageError('servers update needs at least one of --secret, --tag, --load-multiplier, --state, --proxy-basename, --capacity-…');
      await patchServer(inv, fields);
    },
  },
  setState('enabled', 'Enable a server: it takes new meetings'),
  setState('cordoned', 'Cordon a server: no new meetings, running ones stay'),
  setState('disabled', 'Disable a server'),
  {
    words: ['servers', 'panic'],
    usage: '<id|url|host> [--keep-state]',
    summary: 'End every meeting on the server, then disable it unless --keep-state',
    options: { 'keep-state': { type: 'boolean' } },
    args: [1, 1],
    run: async (inv) => {
      const s = await findServer(inv.client, inv.args[0]!);
      const r = await inv.client.call<PanicReport>('POST', apiPath('servers', s.id, 'panic'), {
        keepState: inv.values['keep-state'] === true,
      });
      print(inv.out, r, () => `Ended ${r.meetingsEnded} meeting(s) on ${s.url}; it is now ${r.server.state}\n`);
    },
  },
  {
    words: ['servers', 'proxy-settings'],
    usage: '<id|url|host>',
    summary: "What the BBB node needs for the balancer's cluster proxy (bbb-web, bbb-html5, nginx, CORS)",
    args: [1, 1],
    run: async (inv) => {
      const s = await findServer(inv.client, inv.args[0]!);
      const p = await inv.client.call<ProxySettings>('GET', apiPath('servers', s.id, 'proxy-settings'));
      print(inv.out, p, () => proxySettingsText(p));
    },
  },
  rotateSecretCommand,
  {
    words: ['servers', 'remove'],
    usage: '<id|url|host> [--force]',
    summary: 'Remove a server; refused while it has meetings unless --force (which ends them first)',
    options: { force: { type: 'boolean' } },
    args: [1, 1],
    run: async (inv) => {
      const s = await findServer(inv.client, inv.args[0]!);
      await removeServer(inv.client, s, inv.values.force === true);
      print(inv.out, { ok: true, id: s.id }, () => `Removed ${s.url} (${s.id})\n`);
    },
  },
];
