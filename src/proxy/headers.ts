import { publicPath } from './target.js';

/**
 * Header rewriting between browsers and a node: pure. Browsers see the balancer's origin and
 * `/<basename>` paths; the node sees its own origin, as behind its own nginx.
 */

/**
 * RFC 9110 §7.6.1 hop-by-hop headers, and the WebSocket handshake's own (workerd runs a handshake
 * on each side); never forwarded. The subprotocol (Sec-WebSocket-Protocol) is end to end and kept.
 */
const HOP_BY_HOP = [
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length',
  'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-accept',
];

function stripHopByHop(src: Headers): Headers {
  const out = new Headers(src);
  // Headers named in Connection are hop-by-hop too.
  for (const name of (src.get('connection') ?? '').split(',')) if (name.trim()) out.delete(name.trim());
  for (const name of HOP_BY_HOP) out.delete(name);
  for (const name of [...out.keys()]) if (name.startsWith('cf-')) out.delete(name);
  return out;
}

export interface Mapping {
  /** The balancer's origin as the browser sees it. */
  publicOrigin: string;
  /** `/<basename>` */
  prefix: string;
  /** The node's origin. */
  nodeOrigin: string;
}

/**
 * Request headers for the node. Origin stays the balancer's: the node's CORS settings allow it
 * (docs/cluster-proxy.md). Referer names the node's own origin, where the client's paths are the same.
 */
export function requestHeaders(src: Headers, m: Mapping, upgrade: boolean): Headers {
  const out = stripHopByHop(src);
  const referer = src.get('referer');
  if (referer?.startsWith(`${m.publicOrigin}/`)) out.set('referer', m.nodeOrigin + referer.slice(m.publicOrigin.length));
  if (upgrade) out.set('upgrade', 'websocket');
  return out;
}

/** Node URL → balancer URL, for redirects into the forwarded paths; other targets unchanged. */
function locationForPublic(value: string, m: Mapping): string {
  const local = value.startsWith('/') && !value.startsWith('//');
  if (!local && !value.startsWith(`${m.nodeOrigin}/`)) return value;
  const rest = local ? value : value.slice(m.nodeOrigin.length);
  const q = rest.search(/[?#]/);
  const path = publicPath(m.prefix, q < 0 ? rest : rest.slice(0, q));
  return path === undefined ? (local ? m.nodeOrigin + value : value) : m.publicOrigin + path + (q < 0 ? '' : rest.slice(q));
}

/** Cookies the node sets for its own host, scoped to the balancer's host and the node's prefix. */
function cookieForPublic(cookie: string, prefix: string): string {
  const parts = cookie.split(';').map((p) => p.trim());
  const kept = parts.filter((p, i) => i === 0 || !/^(domain|path)=/i.test(p));
  const path = parts.find((p) => /^path=/i.test(p))?.slice(5) || '/';
  return [...kept, `Path=${path.startsWith(`${prefix}/`) ? path : prefix + path}`].join('; ');
}

export function responseHeaders(src: Headers, m: Mapping): Headers {
  const out = stripHopByHop(src);
  const location = src.get('location');
  if (location) out.set('location', locationForPublic(location, m));
  const cookies = src.getAll('set-cookie');
  if (cookies.length) {
    out.delete('set-cookie');
    for (const c of cookies) out.append('set-cookie', cookieForPublic(c, m.prefix));
  }
  // Content-Length is dropped with the hop-by-hop set; kept when the body is passed unchanged.
  const length = src.get('content-length');
  if (length) out.set('content-length', length);
  return out;
}
