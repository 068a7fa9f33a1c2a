import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { assertNotBlocked, checksumClient, checksumFailure, withRetryAfter } from '../abuse/checksum-limit.js';
import { errors } from '../bbb/errors.js';
import type { HttpError } from '../http/error.js';
import { verifyChecksum } from '../bbb/checksum.js';
import { assertNoRepeats, checkQuerySize, param, rawQuery } from '../bbb/query.js';
import { readApiRequest, type BodyKinds } from '../bbb/request.js';
import type { Config } from '../config.js';
import { frame, type AppContext, type AppEnv } from '../http/env.js';
import { annotate, noteApiCall, noteApiFailure } from '../observability/request-context.js';
import { analyticsCallback } from '../recordings/analytics/routes.js';
import { resolveTenant } from '../tenancy/tenant.js';
import { bbbError, type Handler } from './context.js';
import { create } from './create.js';
import { deleteRecordings } from './delete-recordings.js';
import { getRecordingTextTracks } from './get-recording-text-tracks.js';
import { getRecordings } from './get-recordings.js';
import { publishRecordings } from './publish-recordings.js';
import { putRecordingTextTrack } from './put-recording-text-track.js';
import { jsonError } from './recording-json.js';
import { recordingsDisabled } from './recordings-disabled.js';
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

const FORM_BYTES = 64 * 1024;
const XML_BYTES = 16 * 1024 * 1024;
const TEXT_TRACK_BYTES = 8 * 1024 * 1024;

/** One call of the BBB API: everything about it that is not its handler's business. */
interface ServedCall {
  /** As Scalelite routes them (join GET only, insertDocument POST only); any other method is unsupportedRequest. */
  methods: readonly ('GET' | 'POST')[];
  /** The POST bodies it reads, and at most how many bytes (refused before a byte is read). */
  accepts: BodyKinds;
  maxBodyBytes?: number;
  handler: Handler;
  /** Errors as BBB XML, or as JSON for the calls BBB answers in JSON. */
  errors?: 'xml' | 'json';
  /** The answer while a setting turns the call off: given before any checksum check, as Scalelite. */
  disabled?: (cfg: Config) => Response | undefined;
}

/** A call the balancer never serves, refused whatever the method, before anything is read. */
interface RefusedCall {
  refused: () => HttpError;
}

type Call = ServedCall | RefusedCall;

const recordings = (call: string, format: 'xml' | 'json' = 'xml') => (cfg: Config) => (cfg.recordings.disabled ? recordingsDisabled(call, format) : undefined);
const FORM = ['GET', 'POST'] as const;

export const CALLS: Readonly<Record<string, Call>> = {
  create: { methods: FORM, accepts: 'form-or-xml', handler: create },
  join: { methods: ['GET'], accepts: 'none', handler: join },
  end: { methods: FORM, accepts: 'form', handler: end },
  isMeetingRunning: { methods: FORM, accepts: 'form', handler: isMeetingRunning },
  getMeetingInfo: { methods: FORM, accepts: 'form', handler: getMeetingInfo },
  getMeetings: { methods: FORM, accepts: 'form', handler: getMeetings, disabled: (cfg) => (cfg.getMeetingsDisabled ? noMeetings() : undefined) },
  insertDocument: { methods: ['POST'], accepts: 'xml', handler: insertDocument },
  sendChatMessage: { methods: ['GET'], accepts: 'none', handler: sendChatMessage },
  getSessions: { methods: FORM, accepts: 'form', handler: getSessions },
  getRecordings: { methods: FORM, accepts: 'form', handler: getRecordings, disabled: recordings('getRecordings') },
  publishRecordings: { methods: ['GET'], accepts: 'none', handler: publishRecordings, disabled: recordings('publishRecordings') },
  updateRecordings: { methods: FORM, accepts: 'form', handler: updateRecordings, disabled: recordings('updateRecordings') },
  deleteRecordings: { methods: ['GET'], accepts: 'none', handler: deleteRecordings, disabled: recordings('deleteRecordings') },
  getRecordingTextTracks: { methods: FORM, accepts: 'form', handler: getRecordingTextTracks, errors: 'json', disabled: recordings('getRecordingTextTracks', 'json') },
  // Only the query is checksummed; the multipart body carries the file.
  putRecordingTextTrack: {
    methods: ['POST'],
    accepts: 'form',
    maxBodyBytes: TEXT_TRACK_BYTES,
    handler: putRecordingTextTrack,
    errors: 'json',
    disabled: recordings('putRecordingTextTrack', 'json'),
  },
  // The HTML5 client's own calls belong to the node that issued its sessionToken (src/api/session-calls.ts).
  ...Object.fromEntries(NODE_SESSION_CALLS.map((name): [string, Call] => [name, { refused: () => errors.nodeSessionCall(name) }])),
};

/** The call a request names: the last segment of its path (`/bigbluebutton/api/<call>`). */
const callOf = (c: AppContext) => c.req.path.slice(c.req.path.lastIndexOf('/') + 1);

/** Runs one call: disabled answer, checksum-limit block, request read, tenant, checksum, handler. */
function serve(name: string, spec: ServedCall, maxBodyBytes: number) {
  return async (c: AppContext): Promise<Response> => {
    noteApiCall(name);
    const svc = c.get('services');
    const off = spec.disabled?.(svc.cfg);
    if (off) return off;
    // A client over the wrong-checksum limit is refused before its request is read (no I/O).
    const client = checksumClient(c.req.raw.headers);
    assertNotBlocked(client, svc.cfg.checksumLimit);
    const query = rawQuery(c.req.url);
    checkQuerySize(query);
    const req = await readApiRequest(
      { method: c.req.method, rawQuery: query, contentType: c.req.header('content-type') ?? null, body: () => c.req.arrayBuffer() },
      { call: name, accepts: spec.accepts, maxBodyBytes },
    );
    const waitUntil = c.get('waitUntil');
    // An unknown tenant answers checksumError, as Scalelite: its secret cannot be right (and counts as wrong).
    const failed = () => checksumFailure(svc.redis, svc.cfg.redis.namespace, svc.cfg.checksumLimit, client);
    const url = new URL(c.req.url);
    const tenant = await resolveTenant(svc, url.host, waitUntil);
    if (!tenant) throw await failed();
    annotate({ tenant: tenant.id });
    const valid = await verifyChecksum({ call: name, checkString: req.checkString, checksum: req.checksum, secrets: tenant.secrets, allowed: svc.cfg.algorithms });
    if (!valid) throw await failed();
    assertNoRepeats(req.params, ['checksum']);
    // Only once the checksum holds, so what is logged was sent by a holder of the secret.
    annotate({ meetingID: param(req.params, 'meetingID') });
    return spec.handler({
      svc,
      tenant,
      params: req.params,
      ...(req.xmlBody ? { xmlBody: req.xmlBody } : {}),
      origin: url.origin,
      formData: async () => new Response(await c.req.arrayBuffer(), { headers: { 'Content-Type': c.req.header('content-type') ?? '' } }).formData(),
      waitUntil,
    });
  };
}

/** A POST body over the call's limit is refused unread, in BBB's words. */
function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw errors.validationError(`The request body is larger than ${maxSize} bytes.`);
    },
  });
}

/** The BBB API (`/bigbluebutton/api`): every failure BBB XML (JSON for the text-track calls), status 200. */
export const bbbApi = new Hono<AppEnv>();

bbbApi.use('*', frame);
bbbApi.on(['GET', 'POST'], '/', (c) => version(c.get('services').cfg.buildNumber));

// Nodes' analytics reports (no checksum: a JWT signed with the node's secret), as Scalelite.
bbbApi.post('/analytics_callback', ...analyticsCallback);

for (const [name, spec] of Object.entries(CALLS)) {
  const path = `/${name}`;
  if ('refused' in spec) {
    bbbApi.all(path, () => {
      noteApiCall(name);
      throw spec.refused();
    });
    continue;
  }
  const maxBodyBytes = spec.maxBodyBytes ?? (spec.accepts === 'form' ? FORM_BYTES : XML_BYTES);
  const run = serve(name, spec, maxBodyBytes);
  for (const method of spec.methods) {
    if (method === 'POST' && spec.accepts !== 'none') bbbApi.post(path, limitBody(maxBodyBytes), run);
    else bbbApi.on(method, path, run);
  }
}

// Any other call, or a call with another method. A wildcard, not `/:call`: Hono's RegExpRouter
// cannot mix a parameter with the static calls above and would give way to its slower TrieRouter.
bbbApi.all('/*', (c) => {
  const call = callOf(c);
  noteApiCall(Object.hasOwn(CALLS, call) ? call : 'unsupported');
  throw errors.unsupportedRequest();
});

bbbApi.onError((e, c) => {
  noteApiFailure(e);
  const call = callOf(c);
  return withRetryAfter(e, Object.hasOwn(CALLS, call) && (CALLS[call] as ServedCall).errors === 'json' ? jsonError(e) : bbbError(e));
});
