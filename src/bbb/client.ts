// The signed client for calling BBB nodes. Every call is bounded in time and size: a slow,
// dead or hostile node can never stall a request (or the poller) past its timeouts.
// Error messages name the call and host only: never the secret, the checksum or the query.

import { hexDigest, type ChecksumAlgorithm } from './checksum.js';
import { encodeQuery } from './encode.js';
import type { Params } from './query.js';
import { DEFAULT_MAX_NODE_XML_BYTES, NodeXmlError, parseNodeResponse, xmlText, type XmlObject } from './xml.js';

export interface NodeTarget {
  /** The node's API base, e.g. https://bbb1.example.com/bigbluebutton/api (trailing '/' optional). */
  url: string;
  secret: string;
}

export interface NodeResponse {
  /** returncode is SUCCESS. A FAILED answer is a response, not an exception. */
  ok: boolean;
  returncode: string;
  messageKey?: string;
  message?: string;
  /** The parsed children of <response>. */
  response: XmlObject;
}

export type NodeCallErrorKind = 'timeout' | 'network' | 'http' | 'invalid';

export class NodeCallError extends Error {
  constructor(
    readonly kind: NodeCallErrorKind,
    message: string,
    /** The HTTP status, for kind 'http'. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NodeCallError';
  }
}

export interface CallNodeOptions {
  algorithm: ChecksumAlgorithm;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Longest wait for the response headers; defaults to connect + response timeouts. The body then has responseTimeoutMs. */
  headersTimeoutMs?: number;
  /** Makes the call a POST with this body (create with slides, insertDocument). */
  body?: { contentType: string; text: string };
  /** Largest answer accepted; defaults to 4 MiB. */
  maxBytes?: number;
  /** Sent as X-Request-ID so the node's access log matches ours; never part of the signed query. */
  requestId?: string;
  fetch?: typeof fetch;
}

/** `<node url>/<call>?<query>&checksum=<hex>`, signed as Scalelite does (checksum last). */
export async function signedUrl(
  node: NodeTarget,
  call: string,
  params: Params,
  alg: ChecksumAlgorithm,
): Promise<string> {
  const base = node.url.endsWith('/') ? node.url : `${node.url}/`;
  const query = encodeQuery(params);
  const checksum = await hexDigest(alg, call + query + node.secret);
  return `${base}${call}?${query}${query === '' ? '' : '&'}checksum=${checksum}`;
}

/** The URL a user is redirected to for join: a signed join call on the node. */
export function joinRedirectUrl(node: NodeTarget, params: Params, alg: ChecksumAlgorithm): Promise<string> {
  return signedUrl(node, 'join', params, alg);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid node URL';
  }
}

// Rejects with the abort reason. Every await is raced against it, so even a fetch that
// ignores its signal (or a body stream that never ends) cannot hold a call past its deadline.
function abortRejection(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export async function callNode(
  node: NodeTarget,
  call: string,
  params: Params,
  opts: CallNodeOptions,
): Promise<NodeResponse> {
  const url = await signedUrl(node, call, params, opts.algorithm);
  const query = url.slice(url.indexOf('?') + 1);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_NODE_XML_BYTES;
  const where = `${call} on ${hostOf(node.url)}`;

  const checksum = url.slice(url.lastIndexOf('checksum=') + 'checksum='.length);
  // Whatever lower layers put in their messages (URLs included) is scrubbed before it leaves.
  const redact = (text: string): string => {
    let out = text;
    for (const s of [query, checksum, node.secret]) if (s !== '') out = out.split(s).join('[redacted]');
    return out;
  };
  const fail = (kind: NodeCallErrorKind, detail: string, status?: number) =>
    new NodeCallError(kind, redact(`${where}: ${detail}`), status);

  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const controller = new AbortController();
  const aborted = abortRejection(controller.signal);
  const timeoutError = (phase: string, ms: number) => fail('timeout', `no ${phase} within ${ms} ms`);

  const headersMs = opts.headersTimeoutMs ?? opts.connectTimeoutMs + opts.responseTimeoutMs;
  let timer = setTimeout(() => controller.abort(timeoutError('response headers', headersMs)), headersMs);
  try {
    let res: Response;
    try {
      const headers: Record<string, string> = opts.requestId ? { 'X-Request-ID': opts.requestId } : {};
      const init: RequestInit = { method: 'GET', signal: controller.signal, redirect: 'manual', headers };
      if (opts.body) {
        init.method = 'POST';
        headers['Content-Type'] = opts.body.contentType;
        init.body = opts.body.text;
      }
      res = await Promise.race([doFetch(url, init), aborted]);
    } catch (e) {
      if (e instanceof NodeCallError) throw e;
      throw fail('network', e instanceof Error ? e.message : String(e));
    }
    clearTimeout(timer);

    if (res.status < 200 || res.status > 299) {
      res.body?.cancel().catch(() => {});
      throw fail('http', `HTTP ${res.status}`, res.status);
    }
    const declared = Number(res.headers.get('content-length'));
    if (declared > maxBytes) {
      res.body?.cancel().catch(() => {});
      throw fail('invalid', `response larger than ${maxBytes} bytes`);
    }

    timer = setTimeout(
      () => controller.abort(timeoutError('complete response body', opts.responseTimeoutMs)),
      opts.responseTimeoutMs,
    );
    const text = await readText(res, maxBytes, aborted, fail);
    clearTimeout(timer);

    let response: XmlObject;
    try {
      response = parseNodeResponse(text, { maxBytes });
    } catch (e) {
      if (e instanceof NodeXmlError) throw fail('invalid', e.reason);
      throw e;
    }
    const returncode = xmlText(response['returncode']);
    if (returncode === undefined) throw fail('invalid', 'Response did not include returncode');
    const result: NodeResponse = { ok: returncode === 'SUCCESS', returncode, response };
    const messageKey = xmlText(response['messageKey']);
    const message = xmlText(response['message']);
    if (messageKey !== undefined) result.messageKey = messageKey;
    if (message !== undefined) result.message = message;
    return result;
  } finally {
    clearTimeout(timer);
  }
}

// Reads the body as a stream, stopping at maxBytes so a huge answer is never buffered whole.
async function readText(
  res: Response,
  maxBytes: number,
  aborted: Promise<never>,
  fail: (kind: NodeCallErrorKind, detail: string) => NodeCallError,
): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const parts: string[] = [];
  let total = 0;
  const decode = (bytes?: Uint8Array) => {
    try {
      parts.push(bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode());
    } catch {
      throw fail('invalid', 'response is not valid UTF-8');
    }
  };
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await Promise.race([reader.read(), aborted]);
      } catch (e) {
        if (e instanceof NodeCallError) throw e;
        throw fail('network', e instanceof Error ? e.message : String(e));
      }
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > maxBytes) throw fail('invalid', `response larger than ${maxBytes} bytes`);
      decode(chunk.value);
    }
    decode();
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  return parts.join('');
}
