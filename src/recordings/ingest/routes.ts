/**
 * The ingest API that BBB nodes call (docs/recordings-ingest.md), mounted at INGEST_PREFIX:
 * authenticated by the node's HMAC, answered in JSON with stable error codes.
 */
import { Hono } from 'hono';
import { count, label } from '../../observability/counters.js';
import { describeError, log } from '../../observability/log.js';
import type { Services } from '../../services.js';
import { frame, type AppContext, type AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/error.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import { authenticate } from './auth.js';
import { putFiles } from './batch.js';
import type { IngestHandler } from './call.js';
import { completeRecording, uploadStatus } from './complete.js';
import { ingestErrors } from './errors.js';
import { beginMultipart, completeMultipart, putFile, putPart } from './files.js';
import { INGEST_PREFIX, parseTarget } from './paths.js';
import { reportRecordingProcessing } from './processing.js';

export { INGEST_PREFIX };

const ROUTES: readonly [method: string, verb: string, handler: IngestHandler][] = [
  ['PUT', 'file', putFile],
  ['POST', 'files', putFiles],
  ['POST', 'multipart', beginMultipart],
  ['PUT', 'part', putPart],
  ['POST', 'multipart-complete', completeMultipart],
  ['POST', 'complete', completeRecording],
  ['GET', 'status', uploadStatus],
  ['POST', 'processing', reportRecordingProcessing],
];

const run = (handler: IngestHandler) => async (c: AppContext) => {
  const svc = c.get('services');
  if (svc.cfg.recordings.disabled) throw ingestErrors.disabled('Recordings are disabled on this load balancer (RECORDING_DISABLED).');
  const url = new URL(c.req.url);
  const waitUntil = c.get('waitUntil');
  const caller = await authenticate(c.req.raw, svc, waitUntil);
  const call = { svc, bucket: svc.recordings, req: c.req.raw, url, caller, target: parseTarget(url.pathname.slice(INGEST_PREFIX.length + 1)), tenant: DEFAULT_TENANT, waitUntil }; // the recording's tenant comes from its scoped meetingID at complete
  return handler(call).catch((e: unknown) => {
    // A recording the balancer will not take from an authenticated node: an event naming it.
    if (e instanceof HttpError) log('warn', 'recording refused', { recordID: call.target.recordId, server: caller.server.id, code: e.code, reason: e.message });
    throw e;
  });
};

export const ingestApi = new Hono<AppEnv>();

for (const [method, verb, handler] of ROUTES) ingestApi.on(method, `/${verb}/*`, frame, run(handler));

ingestApi.all('*', frame, () => {
  throw ingestErrors.notFound('No such ingest operation.');
});

ingestApi.onError((e, c) => {
  // Storage out of reach, most likely: the node retries; the log has the details, never a secret.
  if (!(e instanceof HttpError)) log('error', 'recording ingest failed', { error: describeError(e) });
  const answer = e instanceof HttpError ? e : ingestErrors.unavailable('The upload could not be stored right now; retry later.');
  const svc = c.get('services') as Services | undefined;
  if (svc) count(svc, 'scaleflare_recording_uploads_failed_total', { reason: label(answer.code) });
  return c.json(answer.body(), answer.status);
});
