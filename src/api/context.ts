import { errors } from '../bbb/errors.js';
import { HttpError } from '../http/error.js';
import { renderError } from '../bbb/xml.js';
import type { NodeResponse } from '../bbb/client.js';
import { assertValidMeetingId, param, type Params } from '../bbb/query.js';
import { callServer, type ServerCallOptions } from '../cluster/node.js';
import { promoteSecret } from '../cluster/pool.js';
import { serverMap } from '../cluster/server-cache.js';
import { watchNode } from '../cluster/suspicion.js';
import { describeError, log } from '../observability/log.js';
import type { Services } from '../services.js';
import type { LookupMode, Route } from '../store/routes.js';
import type { ServerRow } from '../store/servers.js';
import { nodeMeetingID } from '../tenancy/scope.js';
import type { Tenant } from '../tenancy/tenant.js';

/** What a BBB API handler gets once the request is parsed and its checksum verified. */
export interface ApiCall {
  svc: Services;
  tenant: Tenant;
  params: Params;
  xmlBody?: { text: string };
  /** The balancer's origin as the client reached it (playback and callback URLs point here). */
  origin: string;
  /** The POST body as form data, files included (putRecordingTextTrack's upload). */
  formData(): Promise<FormData>;
  waitUntil(p: Promise<unknown>): void;
}

export type Handler = (call: ApiCall) => Promise<Response>;

export function xmlResponse(body: string): Response {
  return new Response(body, {
    headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
}

/** Any failure as BBB XML: an HttpError by its messageKey, anything else as internalError, logged safely. */
export function bbbError(e: unknown): Response {
  if (e instanceof HttpError) return xmlResponse(renderError(e));
  log('error', 'BBB API call failed', { error: describeError(e) });
  return xmlResponse(renderError(errors.internalError('An internal error occurred.')));
}

/** The meetingID as the node knows it: scoped by tenant (src/tenancy/scope.ts). */
export function nodeMeetingIDOf(call: ApiCall, meetingID: string): string {
  return nodeMeetingID(call.tenant.id, meetingID);
}

export function requireMeetingID(params: Params): string {
  const id = param(params, 'meetingID');
  if (!id) throw errors.missingParamMeetingID();
  assertValidMeetingId(id);
  return id;
}

export function servers(call: ApiCall): Promise<Map<string, ServerRow>> {
  return serverMap(call.svc.sql, call.svc.cfg.serverCacheMs, call.waitUntil, () => call.svc.cluster.mirroredServers());
}

/** The meeting's route and its server's configuration; null when either is unknown. */
export async function routedServer(
  call: ApiCall,
  meetingID: string,
  mode: LookupMode = '',
): Promise<{ route: Route; server: ServerRow } | null> {
  const route = await call.svc.routes.lookup(call.tenant.id, meetingID, mode);
  const server = route && (await servers(call)).get(route.server);
  return route && server ? { route, server } : null;
}

/** Failures that must not fail the call (history, bookkeeping) are logged without details of the request. */
export function background(call: ApiCall, what: string, p: Promise<unknown>): void {
  call.waitUntil(p.catch((e: unknown) => log('error', `${what} failed`, { error: describeError(e) })));
}

/**
 * A call to a server for this request; a node seen taking its pending new secret gets it promoted,
 * off the hot path. A node found down makes its server suspect (src/cluster/suspicion.ts): only
 * idempotent calls may ask for the retry of a timeout, and `onDown` hears that the server was marked.
 */
export function nodeCall(
  call: ApiCall,
  server: ServerRow,
  name: string,
  params: Params,
  opts: ServerCallOptions & { retryTimeout?: boolean; onDown?: () => void } = {},
): Promise<NodeResponse> {
  const { retryTimeout, onDown, ...callOpts } = opts;
  const send = (retry: boolean) =>
    callServer(call.svc.cfg, server, name, params, {
      ...callOpts,
      ...(retry ? { online: false } : {}),
      onSecretNext: () => {
        opts.onSecretNext?.();
        background(call, 'secret promotion', promoteSecret(call.svc, server));
      },
    });
  const subject = () => ({ call: name, tenant: call.tenant.id, meetingID: param(call.params, 'meetingID'), nodeMeetingID: param(params, 'meetingID') });
  return watchNode(call.svc, server, send, { retryTimeout, onDown, subject });
}
