import { NodeCallError, type NodeResponse } from '../bbb/client.js';
import { count, label } from '../observability/counters.js';
import { describeError, log } from '../observability/log.js';
import type { Services } from '../services.js';
import type { ServerRow } from '../store/servers.js';

/**
 * Node failure seen on the request path (docs/node-lifecycle.md). A call the node fails
 * definitively (refused, reset, TLS: a network error) makes its server suspect at once for every
 * isolate. A timeout, or a gateway error (the node's nginx up, bbb-web behind it not), is
 * ambiguous: an idempotent call is retried once at once with the short deadline of an offline
 * server, and a second failure in a row makes the server suspect. The poll clears the mark when
 * the node answers it.
 */
export async function watchNode(
  svc: Services,
  server: ServerRow,
  send: (retry: boolean) => Promise<NodeResponse>,
  opts: { retryTimeout?: boolean | undefined; onDown?: (() => void) | undefined; subject: () => CallSubject },
): Promise<NodeResponse> {
  let failure: NodeCallError;
  try {
    return await send(false);
  } catch (e) {
    if (!(e instanceof NodeCallError) || (ambiguous(e) && !opts.retryTimeout)) throw e;
    failure = e;
  }
  if (ambiguous(failure)) {
    try {
      return await send(true);
    } catch (e) {
      if (!(e instanceof NodeCallError)) throw e;
      failure = e;
    }
  }
  if (failure.kind === 'network' || ambiguous(failure)) {
    await suspect(svc, server, failure, opts.subject);
    opts.onDown?.();
  }
  throw failure;
}

const GATEWAY_ERRORS = new Set([502, 503, 504]);
const ambiguous = (e: NodeCallError) => e.kind === 'timeout' || (e.kind === 'http' && GATEWAY_ERRORS.has(e.status ?? 0));

/** What the failed call was about, for the suspicion's event line (built only when there is one). */
export interface CallSubject {
  call: string;
  tenant: string;
  meetingID?: string | undefined;
  /** The meetingID as the node knows it, to find the call in bbb-web's logs. */
  nodeMeetingID?: string | undefined;
}

/** What failed, as the admin API and the metric name it: network, timeout or http_<status>. */
const causeOf = (e: NodeCallError) => (e.kind === 'http' ? `http_${e.status ?? 0}` : e.kind);

async function suspect(svc: Services, server: ServerRow, failure: NodeCallError, subject: () => CallSubject): Promise<void> {
  const cause = causeOf(failure);
  try {
    if (await svc.routes.suspect(server.id, Date.now(), cause)) {
      count(svc, 'scaleflare_server_suspicions_total', { server: label(server.id), cause });
      log('warn', 'server suspect after a failed call', { server: server.id, cause, ...subject() });
    }
  } catch (e) {
    // Redis out of reach: the poll still finds the node down; the call's own failure stands.
    log('error', 'marking a server suspect failed', { server: server.id, error: describeError(e) });
  }
}
