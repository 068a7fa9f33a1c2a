/**
 * The ingest API that BBB nodes call (docs/recordings-ingest.md), mounted at INGEST_PREFIX:
 * authenticated by the node's HMAC, answered in JSON with stable error codes.
 */
import { Hono } from 'hono';
import { configured } from '../../observability/configured.js';
import { count, label } from '../../observability/counters.js';
import { describeError, log } from '../../observability/log.js';
import { services } from '../../services.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import { authenticate } from './auth.js';
import { putFiles } from './batch.js';
import type { IngestHandler } from './call.js';
import { completeRecording, uploadStatus } from './complete.js';
import { errorBody, IngestError, ingestErrors } from './errors.js';
import { beginMultipart, completeMultipart, putFile, putPart } from './files.js';
import { INGEST_PREFIX, parseTarget } from './paths.js';
import { reportRecordingProcessing } from './processing.js';

export { INGEST_PREFIX };

const ROUTES: Readonly<Record<string, IngestHandler>> = {
  'PUT file': putFile,
  'POST files': putFiles,
  'POST multipart': beginMultipart,
  'PUT part': putPart,
  'POST multipart-complete': completeMultipart,
  'POST complete': completeRecording,
  'GET status': uploadStatus,
  'POST processing': reportRecordingProcessing,
};

export const ingestApi = new Hono<{ Bindings: object }>();

ingestApi.all('*', async (c) => {
  try {
    const svc = services(c.env);
    const url = new URL(c.req.url);
    const rest = url.pathname.slice(INGEST_PREFIX.length + 1);
    const handler = ROUTES[`${c.req.method} ${rest.slice(0, rest.indexOf('/'))}`];
    if (!handler) throw ingestErrors.notFound('No such ingest operation.');
    if (svc.cfg.recordings.disabled) throw ingestErrors.disabled('Recordings are disabled on this load balancer (RECORDING_DISABLED).');
    const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    const caller = await authenticate(c.req.raw, svc, waitUntil);
    const call = { svc, bucket: svc.recordings, req: c.req.raw, url, caller, target: parseTarget(rest), tenant: DEFAULT_TENANT, waitUntil }; // the recording's tenant comes from its scoped meetingID at complete
    return await handler(call).catch((e: unknown) => {
      // A recording the balancer will not take from an authenticated node: an event naming it.
      if (e instanceof IngestError) log('warn', 'recording refused', { recordID: call.target.recordId, server: caller.server.id, code: e.code, reason: e.message });
      throw e;
    });
  } catch (e) {
    const refused = e instanceof IngestError ? e : undefined;
    // Storage out of reach, most likely: the node retries; the log has the details, never a secret.
    if (!refused) log('error', 'recording ingest failed', { error: describeError(e) });
    const answer = refused ?? ingestErrors.unavailable('The upload could not be stored right now; retry later.');
    const svc = configured(c.env, { quiet: true });
    if (svc) count(svc, 'scaleflare_recording_uploads_failed_total', { reason: label(answer.code) });
    return c.json(errorBody(answer), answer.status);
  }
});
