import type { ConfigDocument } from './api-types.js';
import { isObject } from './document.js';
import { CliError } from './errors.js';

type ServerEntry = ConfigDocument['servers'][number];

/**
 * The declarative file of `scaleflare sync`, as the admin API's import document. Two server forms:
 * Scalelite's servers:sync map (`servers: {<id>: {secret, url?, enabled?, load_multiplier?, tag?}}`,
 * url defaulting to https://<id>/bigbluebutton/api, `enabled: false` meaning cordoned; our
 * capacity_users, capacity_meetings and capacity_video_streams beside them) so existing files keep
 * working, or the export's list (`servers: [{url, secret, tag?, state?, loadMultiplier?, capacityUsers?, …}]`).
 * A listed server is in service (enabled) unless it says otherwise. `tenants` is the export's list.
 * Field checks beyond the shape are the API's (its 400 names each field).
 */

const SCALELITE_ID = /^[a-zA-Z0-9_.-]+$/;
const CAPACITY_KEYS = { capacity_users: 'capacityUsers', capacity_meetings: 'capacityMeetings', capacity_video_streams: 'capacityVideoStreams' } as const;
const SCALELITE_KEYS = new Set(['secret', 'url', 'enabled', 'load_multiplier', 'tag', ...Object.keys(CAPACITY_KEYS)]);

function fromScalelite(id: string, s: unknown): ServerEntry {
  if (!SCALELITE_ID.test(id)) throw new CliError(`servers.${id}: a server id must match [a-zA-Z0-9_.-]+`);
  if (!isObject(s)) throw new CliError(`servers.${id}: must be a map with at least a secret`);
  const unknown = Object.keys(s).filter((k) => !SCALELITE_KEYS.has(k));
  if (unknown.length) throw new CliError(`servers.${id}: unknown field(s) ${unknown.join(', ')} (allowed: ${[...SCALELITE_KEYS].join(', ')})`);
  if (typeof s.secret !== 'string' || !s.secret) throw new CliError(`servers.${id}.secret is required`);
  return {
    url: typeof s.url === 'string' ? s.url : `https://${id}/bigbluebutton/api`,
    secret: s.secret,
    tag: (s.tag as string | null | undefined) ?? null,
    loadMultiplier: (s.load_multiplier as number | undefined) ?? 1,
    state: s.enabled === false ? 'cordoned' : 'enabled',
    ...Object.fromEntries(Object.entries(CAPACITY_KEYS).flatMap(([key, field]) => (key in s ? [[field, s[key]]] : []))),
  };
}

function fromList(s: unknown, i: number): ServerEntry {
  if (!isObject(s)) throw new CliError(`servers[${i}]: must be a map with url and secret`);
  return { state: 'enabled', ...s } as ServerEntry;
}

export function syncDocument(file: string, value: unknown): ConfigDocument {
  if (!isObject(value)) throw new CliError(`${file}: must be a map with servers and/or tenants`);
  const unknown = Object.keys(value).filter((k) => !['version', 'exportedAt', 'servers', 'tenants'].includes(k));
  if (unknown.length) throw new CliError(`${file}: unknown top-level field(s) ${unknown.join(', ')} (allowed: servers, tenants)`);
  const { servers = [], tenants = [] } = value;
  if (!Array.isArray(tenants)) throw new CliError(`${file}: tenants must be a list`);
  const list = Array.isArray(servers) ? servers.map(fromList) : isObject(servers) ? Object.entries(servers).map(([id, s]) => fromScalelite(id, s)) : undefined;
  if (!list) throw new CliError(`${file}: servers must be a list or a map of id to server`);
  const seen = new Set<string>();
  for (const s of list) {
    const url = String(s.url).trim();
    if (seen.has(url)) throw new CliError(`${file}: the server ${url} is listed twice`);
    seen.add(url);
  }
  return { version: 1, servers: list, tenants };
}
