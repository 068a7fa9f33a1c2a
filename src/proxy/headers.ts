/**
 * Header rewriting between browsers and a node: pure. Browsers see the balancer's origin and
 * `/<basename>` paths; the node sees its own origin and paths, as behind its own nginx.
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

/** Balancer URL (`https://lb/<basename>/x`) → node URL (`https://node/x`); others unchanged. */
function toNode(value: string, m: Mapping): string {
  const base = m.publicOrigin + m.prefix;
  if (value === m.publicOrigin || value === base) return m.nodeOrigin;
  return value.startsWith(`${base}/`) ? m.nodeOrigin + value.slice(base.length) : value;
}

/** Node URL → balancer URL, for redirects. */
function toPublic(value: string, m: Mapping): string {
  if (value.startsWith('/')) return m.prefix + value;
  if (value === m.nodeOrigin || value.startsWith(`${m.nodeOrigin}/`)) return m.publicOrigin + m.prefix + value.slice(m.nodeOrigin.length);
  return value;
}

export function requestHeaders(src: Headers, m: Mapping, upgrade: boolean): Headers {
  const out = stripHopByHop(src);
  for (const name of ['origin', 'referer']) {
    const v = src.get(name);
    if (v) out.set(name, toNode(v, m));
  }
  if (upgrade) out.set('upgrade', 'websocket');
  return out;
}

/** Cookies the node sets for its own host and paths, scoped to the balancer's host and prefix. */
function cookieForPublic(cookie: string, prefix: string): string {
  const parts = cookie.split(';').map((p) => p.trim());
  const kept = parts.filter((p, i) => i === 0 || !/^(domain|path)=/i.test(p));
  const path = parts.find((p) => /^path=/i.test(p))?.slice(5) || '/';
  return [...kept, `Path=${prefix}${path === '/' ? '/' : path}`].join('; ');
}

export function responseHeaders(src: Headers, m: Mapping): Headers {
  const out = stripHopByHop(src);
  const location = src.get('location');
  if (location) out.set('location', toPublic(location, m));
  const cookies = src.getAll('set-cookie');
  if (cookies.length) {
    out.delete('set-cookie');
    for (const c of cookies) out.append('set-cookie', cookieForPublic(c, m.prefix));
  }
  // Content-Length is dropped with the hop-by-hop set; keep it when the body is passed unchanged.
  const length = src.get('content-length');
  if (length) out.set('content-length', length);
  return out;
}
