import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import { setParam } from '../../tenancy/params.js';
import { acceptedUrl } from '../callbacks/capture.js';
import { signJwt } from '../callbacks/jwt.js';

const KEY = 'meta_analytics-callback-url';

/** Scalelite's path for nodes' analytics reports; the query's token names the meeting. */
export const ANALYTICS_CALLBACK_PATH = '/bigbluebutton/api/analytics_callback';

export interface AnalyticsCaptureContext {
  tenant: { id: string; name: string };
  meetingID: string;
  /** The origin the create came in on; used unless `urlHost` is set. */
  requestOrigin: string;
  urlHost: string;
  multitenancy: boolean;
  allowPrivateUrls: boolean;
  /** Signs the meeting token (the load balancer's secret, so no tenant lookup is needed to check it). */
  signingSecret: string;
}

/**
 * Scalelite's analytics handling at create: the frontend's `meta_analytics-callback-url` is kept
 * by the balancer, and the node is told to report to the balancer instead (on the tenant's host,
 * `https://<tenant>.<URL_HOST>`, as Scalelite). A URL that is not acceptable (see
 * callbacks-capture.ts) is dropped, so the node reports nowhere.
 */
export async function captureAnalyticsCallback(
  params: [string, string][],
  ctx: AnalyticsCaptureContext,
): Promise<{ params: [string, string][]; url: string | null }> {
  const sent = params.find(([k]) => k.toLowerCase() === KEY);
  if (!sent) return { params, url: null };
  const rest = params.filter(([k]) => k.toLowerCase() !== KEY || k === sent[0]);
  const url = acceptedUrl(sent[1], ctx.allowPrivateUrls, 'analytics-callback-url') ?? null;
  if (!url) return { params: setParam(rest, sent[0], undefined), url: null };
  const token = await signJwt({ tenant: ctx.tenant.id, meeting_id: ctx.meetingID, instance: Date.now() }, ctx.signingSecret);
  const label = ctx.multitenancy && ctx.tenant.id !== DEFAULT_TENANT ? `${ctx.tenant.name}.` : '';
  const origin = ctx.urlHost ? `https://${label}${ctx.urlHost}` : ctx.requestOrigin;
  return { params: setParam(rest, sent[0], `${origin}${ANALYTICS_CALLBACK_PATH}?token=${token}`), url };
}
