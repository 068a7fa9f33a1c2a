import { callNode, type NodeResponse } from '../bbb/client.js';
import type { Params } from '../bbb/query.js';
import type { Config } from '../config.js';
import { annotate, currentRequest } from '../observability/request-context.js';
import type { ServerRow } from '../store/servers.js';

/** A server believed offline gets at most a second, so a dead node never holds a request long. */
const OFFLINE_TIMEOUT_MS = 1000;

export interface ServerCallOptions {
  online?: boolean;
  body?: { contentType: string; text: string };
  maxBytes?: number;
  /** The headers may take both timeouts: the poll's getMeetings, whose answer for a whole node is built before them. */
  slowHeaders?: boolean;
  /** Told when the node took the pending secret of a rotation (it switched): time to promote it. */
  onSecretNext?: () => void;
}

/**
 * A signed call to the server. While a secret rotation is pending (docs/secret-rotation.md), a
 * call the node refuses as checksumError is made once more with the new secret: the node may have
 * switched (`bbb-conf --setsecret`) since, and the caller must not see the moment it did.
 */
export async function callServer(cfg: Config, server: ServerRow, call: string, params: Params, opts: ServerCallOptions = {}): Promise<NodeResponse> {
  const short = opts.online === false;
  annotate({ server: server.id });
  const requestId = currentRequest()?.id;
  const connectTimeoutMs = short ? Math.min(cfg.connectTimeoutMs, OFFLINE_TIMEOUT_MS) : cfg.connectTimeoutMs;
  const responseTimeoutMs = short ? Math.min(cfg.responseTimeoutMs, OFFLINE_TIMEOUT_MS) : cfg.responseTimeoutMs;
  const signed = (secret: string) =>
    callNode({ url: server.url, secret }, call, params, {
      algorithm: cfg.nodeAlgorithm,
      connectTimeoutMs,
      responseTimeoutMs,
      headersTimeoutMs: slowHeaders(opts) ? connectTimeoutMs + responseTimeoutMs : connectTimeoutMs,
      ...(opts.body ? { body: opts.body } : {}),
      ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
      ...(requestId ? { requestId } : {}),
    });
  const res = await signed(server.secret);
  if (!server.secretNext || !refusedChecksum(res)) return res;
  const retried = await signed(server.secretNext);
  if (!refusedChecksum(retried)) opts.onSecretNext?.();
  return retried;
}

/**
 * bbb-web answers the headers of a call once its work is done: within a second for the calls of the
 * request path, so a node that has not sent them by CONNECT_TIMEOUT is taken for frozen. A call with
 * a body (create with presentation modules, insertDocument) is answered only after bbb-web has
 * downloaded the documents given by URL (ApiController.uploadDocuments runs before the response),
 * so it keeps both timeouts, as the poll's getMeetings does.
 */
const slowHeaders = (opts: ServerCallOptions) => opts.slowHeaders === true || opts.body !== undefined;

/** BBB's answer to a call signed with a secret it does not have. */
export const refusedChecksum = (res: NodeResponse) => !res.ok && res.messageKey === 'checksumError';
