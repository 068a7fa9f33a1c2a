import { NodeCallError, type NodeResponse } from '../bbb/client.js';
import { describeError, log } from '../observability/log.js';
import type { Services } from '../services.js';
import type { ServerRow } from '../store/servers.js';

/**
 * Node failure seen on the request path (docs/node-lifecycle.md). A call the node fails
 * definitively (refused, reset, TLS: a network error) makes its server suspect at once for every
 * isolate. A timeout is ambiguous (the node may only be slow), so an idempotent call is retried
 * once at once with the short deadline of an offline server; a second failure in a row makes the
 * server suspect. The poll clears the mark when the node answers it.
 */
export async function watchNode(
  svc: Services,
  server: ServerRow,
  send: (retry: boolean) => Promise<NodeResponse>,
  opts: { retryTimeout?: boolean; onDown?: () => void },
): Promise<NodeResponse> {
  let failure: NodeCallError;
  try {
    return await send(false);
  } catch (e) {
    if (!(e instanceof NodeCallError) || (e.kind === 'timeout' && !opts.retryTimeout)) throw e;
    failure = e;
  }
  if (failure.kind === 'timeout') {
    try {
      return await send(true);
    } catch (e) {
      if (!(e instanceof NodeCallError)) throw e;
      failure = e;
    }
  }
  if (failure.kind === 'network' || failure.kind === 'timeout') {
    await suspect(svc, server, failure);
    opts.onDown?.();
  }
  throw failure;
}

async function suspect(svc: Services, server: ServerRow, failure: NodeCallError): Promise<void> {
  try {
    if (await svc.routes.suspect(server.id, Date.now())) log('warn', 'server suspect after a failed call', { server: server.id, kind: failure.kind });
  } catch (e) {
    // Redis out of reach: the poll still finds the node down; the call's own failure stands.
    log('error', 'marking a server suspect failed', { server: server.id, error: describeError(e) });
  }
}
