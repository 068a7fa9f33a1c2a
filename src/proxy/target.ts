import type { ServerRow } from '../store/servers.js';

/**
 * Where a proxied request goes: pure, no storage. The target is always a configured server's own
 * origin; the request contributes only the path below the basename, and only when it is one of the
 * node's client or API paths and cannot climb out of them.
 */

/** The node paths the proxy forwards (bbb-api.md §5); everything else stays unreachable. */
const FORWARDED = /^\/(?:html5client(?:\/|$)|bigbluebutton\/api(?:\/|$|\?))/;

/** Default basename: the first DNS label of the node's host (`bbb1.example.com` → `bbb1`). */
export function basenameOf(server: ServerRow): string {
  return new URL(server.url).hostname.split('.')[0]!.toLowerCase();
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

/**
 * The node URL for a request path `/<basename><suffix>` (raw, as received), or undefined when the
 * suffix is not a forwarded path or tries to escape it.
 */
export function targetUrl(server: ServerRow, suffix: string, search: string): URL | undefined {
  if (UNSAFE.test(suffix) || !FORWARDED.test(suffix)) return undefined;
  const url = new URL(new URL(server.url).origin);
  url.pathname = suffix;
  url.search = search;
  // Defence in depth: whatever the suffix held, the target is the node's origin.
  return url.origin === new URL(server.url).origin && url.pathname === suffix ? url : undefined;
}
