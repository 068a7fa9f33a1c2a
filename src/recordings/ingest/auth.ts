/**
 * Who is calling: a registered BBB node, proven by an HMAC of its own API secret over the
 * request (src/recordings/ingest/node-auth.ts), within the allowed clock skew. Body digests are
 * checked where the body is read; here only their shape.
 */
import { nodeSecrets } from '../../cluster/node-secrets.js';
import { freshServerMap, serverMap } from '../../cluster/server-cache.js';
import type { Services } from '../../services.js';
import type { ServerRow } from '../../store/servers.js';
import { ingestErrors } from './errors.js';
import { NODE_HEADERS, SHA256_HEX, verify } from './node-auth.js';

export interface Caller {
  server: ServerRow;
  /** The SHA-256 the node declared for the body (covered by the signature). */
  contentSha256: string;
}

export async function authenticate(
  req: Request,
  svc: Services,
  waitUntil: (p: Promise<unknown>) => void,
  nowMs = Date.now(),
): Promise<Caller> {
  const h = (name: string) => req.headers.get(name) ?? '';
  const serverId = h(NODE_HEADERS.server);
  const timestamp = h(NODE_HEADERS.timestamp);
  const contentSha256 = h(NODE_HEADERS.contentSha256).toLowerCase();
  const signature = h(NODE_HEADERS.signature);
  if (!serverId || !timestamp || !signature || !SHA256_HEX.test(contentSha256)) {
    throw ingestErrors.unauthenticated(`Every ingest request carries the ${Object.values(NODE_HEADERS).join(', ')} headers.`);
  }
  // A node registered a moment ago may not be in this isolate's cache yet.
  const server =
    (await serverMap(svc.sql, svc.cfg.serverCacheMs, waitUntil)).get(serverId) ?? (await freshServerMap(svc.sql)).get(serverId);
  const url = new URL(req.url);
  const parts = { method: req.method, target: url.pathname + url.search, serverId, timestamp, contentSha256 };
  // Either secret while a rotation is pending: the node's script signs with whichever it has now.
  const verdicts = await Promise.all(
    (server ? nodeSecrets(server) : ['']).map((secret) => verify(secret, parts, signature, { nowMs, skewMs: svc.cfg.ingest.clockSkewMs })),
  );
  const verdict = verdicts.includes('ok') ? 'ok' : verdicts[0]!;
  if (verdict === 'stale') throw ingestErrors.staleTimestamp('The request timestamp is outside the allowed clock skew; check the node\'s clock.');
  // Unknown server and wrong secret look the same from outside.
  if (verdict !== 'ok' || !server) throw ingestErrors.badSignature('The request signature does not match.');
  return { server, contentSha256 };
}
