import { BbbError } from '../../bbb/errors.js';
import type { Params } from '../../bbb/query.js';
import { parseNodeResponse, type XmlObject } from '../../bbb/xml.js';
import type { ApiCall, Handler } from '../../api/context.js';
import { ApiError, type OperationContext } from './operation.js';
import { tenantScope } from './tenants.js';

/** A BBB API call as the tenant's LMS would make it, its checksum already "verified". */
export async function apiCallAs(ctx: OperationContext, tenantId: string, params: Params = []): Promise<ApiCall> {
  return {
    svc: ctx.svc,
    tenant: await tenantScope(ctx, tenantId),
    params,
    origin: ctx.origin,
    formData: () => Promise.reject(new Error('no form data')),
    waitUntil: ctx.waitUntil,
  };
}

/**
 * Runs a BBB API handler as the tenant's LMS would call it, so admin actions take exactly the
 * BBB API's path; its XML answer comes back parsed, its BBB errors as JSON ones: notFound 404,
 * bad input 400, a node that failed 502.
 */
export async function callAs(ctx: OperationContext, tenantId: string, handler: Handler, params: Params, what: string): Promise<XmlObject> {
  const call = await apiCallAs(ctx, tenantId, params);
  try {
    return parseNodeResponse(await (await handler(call)).text());
  } catch (e) {
    if (!(e instanceof BbbError)) throw e;
    if (e.key === 'notFound') throw new ApiError(404, 'not_found', `No ${what} in tenant ${tenantId}`);
    if (e.key === 'validationError') throw new ApiError(400, 'invalid_request', e.message);
    throw new ApiError(502, 'node_error', `The server could not complete it (${e.key}): ${e.message}`);
  }
}
