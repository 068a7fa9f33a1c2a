import type { Params } from '../../bbb/query.js';
import { log } from '../../observability/log.js';
import { signJwt } from './jwt.js';

/** In Scalelite's order of precedence; BBB matches meta names case-insensitively. */
const RECORDING_READY_KEYS = ['meta_bn-recording-ready-url', 'meta_bbb-recording-ready-url', 'meta_canvas-recording-ready-url'];
const END_CALLBACK_KEY = 'meta_endcallbackurl';

/** Where the balancer receives a node's end callback; the token names the meeting. */
export const END_CALLBACK_PATH = '/callbacks/end';

export interface CapturedCallbacks {
  /** What the node gets: no recording-ready URL, and the balancer's end callback URL. */
  params: [string, string][];
  /** URLs to remember for the meeting; null when the create carried none (or none acceptable). */
  urls: { recordingReadyUrl?: string; endCallbackUrl?: string } | null;
}

export interface CaptureContext {
  tenant: { id: string; secrets: readonly string[] };
  meetingID: string;
  /** The server the meeting is created on: its end callback is relayed only while the meeting's route names it. */
  server: string;
  /** The origin the create came in on; nodes are told to call back there unless `urlHost` is set. */
  requestOrigin: string;
  urlHost: string;
  allowPrivateUrls: boolean;
}

/**
 * Takes the frontend's callback URLs out of a create (Scalelite's recording-ready handling, plus
 * the end callback relay): nodes never call frontends, so the balancer can sign for the frontend
 * and retry. A URL that is not http(s) or targets a private address (unless allowed) is dropped
 * silently, as BBB drops what it cannot call.
 */
export async function captureCallbacks(params: Params, ctx: CaptureContext): Promise<CapturedCallbacks> {
  const key = (k: string) => k.toLowerCase();
  const ready = RECORDING_READY_KEYS.map((name) => params.find(([k]) => key(k) === name)?.[1]).find((v) => v !== undefined);
  const end = params.find(([k]) => key(k) === END_CALLBACK_KEY)?.[1];
  const out: CapturedCallbacks = {
    params: params.filter(([k]) => !RECORDING_READY_KEYS.includes(key(k)) && key(k) !== END_CALLBACK_KEY).map(([k, v]) => [k, v]),
    urls: null,
  };
  const readyUrl = ready === undefined ? undefined : acceptedUrl(ready, ctx.allowPrivateUrls, 'recording-ready');
  if (readyUrl) out.urls = { recordingReadyUrl: readyUrl };
  const endUrl = end === undefined ? undefined : acceptedUrl(end, ctx.allowPrivateUrls, 'endCallbackUrl');
  if (endUrl) {
    out.urls = { ...out.urls, endCallbackUrl: endUrl };
    const token = await signJwt({ tenant: ctx.tenant.id, meeting_id: ctx.meetingID, instance: Date.now(), server: ctx.server }, ctx.tenant.secrets[0]!);
    const origin = ctx.urlHost ? `https://${ctx.urlHost}` : ctx.requestOrigin;
    out.params.push(['meta_endCallbackUrl', `${origin}${END_CALLBACK_PATH}/${token}`]);
  }
  return out;
}

export function acceptedUrl(value: string, allowPrivate: boolean, what: string): string | undefined {
  const reason = rejectReason(value.trim(), allowPrivate);
  if (!reason) return value.trim();
  // The URL itself is never logged: frontends put tokens in it.
  log('warn', 'callback URL dropped', { callback: what, reason });
  return undefined;
}

export function rejectReason(value: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not http or https';
  if (!allowPrivate && isPrivateHost(url.hostname)) return 'private or loopback address';
  return null;
}

/**
 * Literal loopback, private, link-local and unique-local addresses, and local names. Names that
 * resolve to such addresses cannot be checked from a Worker (no DNS API); Cloudflare refuses to
 * connect to private addresses from production Workers anyway.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host)?.slice(1).map(Number);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (host.includes(':')) {
    return host === '::' || host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith('::ffff:');
  }
  return false;
}
