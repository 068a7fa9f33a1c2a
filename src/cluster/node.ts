import { callNode, type NodeResponse } from '../bbb/client.js';
import type { Params } from '../bbb/query.js';
import type { Config } from '../config.js';
import { annotate, currentRequest } from '../observability/request-context.js';
import type { ServerRow } from '../store/servers.js';

/** A server believed offline gets at most a second, so a dead node never holds a request long. */
const OFFLINE_TIMEOUT_MS = 1000;

export function callServer(
  cfg: Config,
  server: ServerRow,
  call: string,
  params: Params,
  opts: { online?: boolean; body?: { contentType: string; text: string }; maxBytes?: number } = {},
): Promise<NodeResponse> {
  const short = opts.online === false;
  annotate({ server: server.id });
  const requestId = currentRequest()?.id;
  return callNode({ url: server.url, secret: server.secret }, call, params, {
    algorithm: cfg.nodeAlgorithm,
    connectTimeoutMs: short ? Math.min(cfg.connectTimeoutMs, OFFLINE_TIMEOUT_MS) : cfg.connectTimeoutMs,
    responseTimeoutMs: short ? Math.min(cfg.responseTimeoutMs, OFFLINE_TIMEOUT_MS) : cfg.responseTimeoutMs,
    ...(opts.body ? { body: opts.body } : {}),
    ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
    ...(requestId ? { requestId } : {}),
  });
}
