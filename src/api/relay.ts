import { NodeCallError, type NodeResponse } from '../bbb/client.js';
import { BbbError, errors } from '../bbb/errors.js';
import { renderResponse } from '../bbb/xml.js';
import { unscopeMeeting } from '../tenancy/scope.js';
import { xmlResponse } from './context.js';

/**
 * Turns a node's answer into ours: SUCCESS is re-rendered from the parsed tree (never the raw
 * bytes), FAILED keeps the node's messageKey and message, and an unreachable or broken node
 * becomes `internalError` with the call's own message, as in Scalelite.
 */
export async function relay(call: Promise<NodeResponse>, unreachable: string, tenant: string): Promise<Response> {
  return xmlResponse(await relayBody(call, unreachable, tenant));
}

/** The XML body `relay` answers with; the meetingID is the tenant's own, not the node's scoped one. */
export async function relayBody(call: Promise<NodeResponse>, unreachable: string, tenant: string): Promise<string> {
  let res: NodeResponse;
  try {
    res = await call;
  } catch (e) {
    if (e instanceof NodeCallError) throw errors.internalError(unreachable);
    throw e;
  }
  if (!res.ok) throw new BbbError(res.messageKey ?? 'internalError', res.message ?? unreachable);
  return renderResponse(unscopeMeeting(res.response, tenant));
}
