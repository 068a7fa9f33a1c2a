import { Hono } from 'hono';
import { assertNotBlocked, checksumClient, checksumFailure, withRetryAfter } from '../abuse/checksum-limit.js';
import { errors } from '../bbb/errors.js';
import { verifyChecksum } from '../bbb/checksum.js';
import { assertNoRepeats, checkQuerySize, param, rawQuery } from '../bbb/query.js';
import { readApiRequest } from '../bbb/request.js';
import { annotate, noteApiCall, noteApiFailure } from '../observability/request-context.js';
import { analyticsCallback } from '../recordings/analytics/routes.js';
import { services } from '../services.js';
import { resolveTenant } from '../tenancy/tenant.js';
import { bbbError, type Handler } from './context.js';
import { create } from './create.js';
import { deleteRecordings } from './delete-recordings.js';
import { getRecordingTextTracks } from './get-recording-text-tracks.js';
import { getRecordings } from './get-recordings.js';
import { publishRecordings } from './publish-recordings.js';
import { putRecordingTextTrack } from './put-recording-text-track.js';
import { jsonError, TEXT_TRACK_CALLS } from './recording-json.js';
import { RECORDING_CALLS, recordingsDisabled } from './recordings-disabled.js';
import { updateRecordings } from './update-recordings.js';
import { end } from './end.js';
import { getMeetingInfo } from './get-meeting-info.js';
import { getMeetings, noMeetings } from './get-meetings.js';
import { getSessions } from './get-sessions.js';
import { insertDocument } from './insert-document.js';
import { isMeetingRunning } from './is-meeting-running.js';
import { join } from './join.js';
import { sendChatMessage } from './send-chat-message.js';
import { NODE_SESSION_CALLS } from './session-calls.js';
import { version } from './version.js';

type Accepts = 'form' | 'form-or-xml' | 'xml' | 'none';

const FORM_BYTES = 64 * 1024;
const XML_BYTES = 16 * 1024 * 1024;
const TEXT_TRACK_BYTES = 8 * 1024 * 1024;

/** Methods and bodies per call, as Scalelite routes them (join GET only, insertDocument POST only). */
const CALLS: Record<string, { methods: string[]; accepts: Accepts; handler: Handler; maxBodyBytes?: number }> = {
  create: { methods: ['GET', 'POST'], accepts: 'form-or-xml', handler: create },
  join: { methods: ['GET'], accepts: 'none', handler: join },
  end: { methods: ['GET', 'POST'], accepts: 'form', handler: end },
  isMeetingRunning: { methods: ['GET', 'POST'], accepts: 'form', handler: isMeetingRunning },
  getMeetingInfo: { methods: ['GET', 'POST'], accepts: 'form', handler: getMeetingInfo },
  getMeetings: { methods: ['GET', 'POST'], accepts: 'form', handler: getMeetings },
  insertDocument: { methods: ['POST'], accepts: 'xml', handler: insertDocument },
  sendChatMessage: { methods: ['GET'], accepts: 'none', handler: sendChatMessage },
  getSessions: { methods: ['GET', 'POST'], accepts: 'form', handler: getSessions },
  getRecordings: { methods: ['GET', 'POST'], accepts: 'form', handler: getRecordings },
  publishRecordings: { methods: ['GET'], accepts: 'none', handler: publishRecordings },
  updateRecordings: { methods: ['GET', 'POST'], accepts: 'form', handler: updateRecordings },
  deleteRecordings: { methods: ['GET'], accepts: 'none', handler: deleteRecordings },
  getRecordingTextTracks: { methods: ['GET', 'POST'], accepts: 'form', handler: getRecordingTextTracks },
  // Only the query is checksummed; the multipart body carries the file.
  putRecordingTextTrack: { methods: ['POST'], accepts: 'form', handler: putRecordingTextTrack, maxBodyBytes: TEXT_TRACK_BYTES },
};

export const bbbApi = new Hono<{ Bindings: object }>();

bbbApi.on(['GET', 'POST'], '/', (c) => version(services(c.env).cfg.buildNumber));

// Nodes' analytics reports (no checksum: a JWT signed with the node's secret), as Scalelite.
bbbApi.post('/analytics_callback', analyticsCallback);

bbbApi.all('/:call', async (c) => {
  try {
    const name = c.req.param('call');
    const spec = Object.hasOwn(CALLS, name) ? CALLS[name] : undefined;
    const nodeOnly = NODE_SESSION_CALLS.has(name);
    noteApiCall(spec || nodeOnly ? name : 'unsupported');
    if (nodeOnly) throw errors.nodeSessionCall(name);
    if (!spec || !spec.methods.includes(c.req.method)) throw errors.unsupportedRequest();
    const svc = services(c.env);
    if (name === 'getMeetings' && svc.cfg.getMeetingsDisabled) return noMeetings();
    if (svc.cfg.recordings.disabled && RECORDING_CALLS.has(name)) return recordingsDisabled(name);
    // A client over the wrong-checksum limit is refused before its request is read (no I/O).
    const client = checksumClient(c.req.raw.headers);
    assertNotBlocked(client, svc.cfg.checksumLimit);
    const query = rawQuery(c.req.url);
    checkQuerySize(query);
    const req = await readApiRequest(
      { method: c.req.method, rawQuery: query, contentType: c.req.header('content-type') ?? null, body: () => c.req.arrayBuffer() },
      { call: name, accepts: spec.accepts, maxBodyBytes: spec.maxBodyBytes ?? (spec.accepts === 'form' ? FORM_BYTES : XML_BYTES) },
    );
    const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    // An unknown tenant answers checksumError, as Scalelite: its secret cannot be right (and counts as wrong).
    const failed = () => checksumFailure(svc.redis, svc.cfg.redis.namespace, svc.cfg.checksumLimit, client);
    const tenant = await resolveTenant(svc, new URL(c.req.url).host, waitUntil);
    if (!tenant) throw await failed();
    annotate({ tenant: tenant.id });
    const valid = await verifyChecksum({
      call: name,
      checkString: req.checkString,
      checksum: req.checksum,
      secrets: tenant.secrets,
      allowed: svc.cfg.algorithms,
    });
    if (!valid) throw await failed();
    assertNoRepeats(req.params, ['checksum']);
    // Only once the checksum holds, so what is logged was sent by a holder of the secret.
    annotate({ meetingID: param(req.params, 'meetingID') });
    return await spec.handler({
      svc,
      tenant,
      params: req.params,
      ...(req.xmlBody ? { xmlBody: req.xmlBody } : {}),
      origin: new URL(c.req.url).origin,
      formData: async () =>
        new Response(await c.req.arrayBuffer(), { headers: { 'Content-Type': c.req.header('content-type') ?? '' } }).formData(),
      waitUntil,
    });
  } catch (e) {
    noteApiFailure(e);
    return withRetryAfter(e, TEXT_TRACK_CALLS.has(c.req.param('call')) ? jsonError(e) : bbbError(e));
  }
});
