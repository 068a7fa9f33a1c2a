import type { ServerRow } from '../store/servers.js';

/**
 * Where a proxied request goes: pure, no storage. The target is always a configured server's own
 * origin; the request contributes only the path below the basename, and only when it is one of the
 * node's client or API paths and cannot climb out of them. As in BBB's cluster proxy guide
 * (bbb-api.md §5), the node serves its client under `/<basename>/html5client` (the prefix is kept)
 * and its API at `/bigbluebutton/api` (the prefix is dropped).
 */

const CLIENT = /^\/html5client(?:\/|$)/;
const API = /^\/bigbluebutton\/api(?:\/|$)/;

/** The operator's basename, else the first DNS label of the node's host (`bbb1.example.com` → `bbb1`). */
export function basenameOf(server: Pick<ServerRow, 'url' | 'proxyBasename'>): string {
  return server.proxyBasename ?? new URL(server.url).hostname.split('.')[0]!.toLowerCase();
}

/** Another server (any state: a disabled one may come back) whose basename is the candidate's. */
export function basenameClash(
  servers: Iterable<ServerRow>,
  candidate: Pick<ServerRow, 'url' | 'proxyBasename'>,
): ServerRow | undefined {
  const name = basenameOf(candidate);
  for (const s of servers) if (s.url !== candidate.url && basenameOf(s) === name) return s;
  return undefined;
}

/**
 * Enabled and cordoned servers by basename (cordoned ones still host running meetings). A basename
 * shared by several servers maps to none of them: a guess could send users to the wrong node.
 */
export function proxyTargets(servers: Iterable<ServerRow>): Map<string, ServerRow | null> {
  const byName = new Map<string, ServerRow | null>();
  for (const s of servers) {
    if (s.state === 'disabled') continue;
    const name = basenameOf(s);
    byName.set(name, byName.has(name) ? null : s);
  }
  return byName;
}

/** Suffix parts that could leave the forwarded paths once a node or a browser decodes them. */
const UNSAFE = /%2f|%5c|%00|\\|%2e|(?:^|\/)\.\.?(?:\/|$)/i;

/** The node's path for a balancer path `<prefix><suffix>` (prefix `/<basename>`), if forwarded. */
function nodePath(prefix: string, suffix: string): string | undefined {
  if (UNSAFE.test(suffix)) return undefined;
  if (CLIENT.test(suffix)) return prefix + suffix;
  return API.test(suffix) ? suffix : undefined;
}

/** The balancer's path for a node path (redirects, cookies), if it is one the proxy forwards. */
export function publicPath(prefix: string, path: string): string | undefined {
  if (path.startsWith(`${prefix}/`) && CLIENT.test(path.slice(prefix.length))) return path;
  return API.test(path) ? prefix + path : undefined;
}

/** The node URL for a request path `<prefix><suffix>` (raw, as received), or undefined. */
export function targetUrl(server: ServerRow, prefix: string, suffix: string, search: string): URL | undefined {
  const path = nodePath(prefix, suffix);
  if (path === undefined) return undefined;
  const origin = new URL(server.url).origin;
  const url = new URL(origin);
  url.pathname = path;
  url.search = search;
  // Defence in depth: whatever the suffix held, the target is the node's origin and the path as checked.
  return url.origin === origin && url.pathname === path ? url : undefined;
}
