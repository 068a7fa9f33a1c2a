// The BBB API of one node: validation order, error keys and messages follow bbb-web 3.0
// (ApiController.groovy + the bbb-common-web request constraints).
import { verifyChecksum, type ChecksumAlgorithm, type ParamMap } from './checksum';
import { Meeting, randomString, type Role } from './meeting';
import { htmlResponse, methodNotAllowed, xmlResponse, type SimResponse } from './response';
import { handleSessionCall, isSessionCall, SESSION_CALLS } from './session-calls';
import { meetingDefaults, type MeetingStore } from './store';
import * as xml from './xml';

export interface ApiRequest {
  /** Path segment after /bigbluebutton/api/, or 'index' for the root. */
  call: string;
  method: string;
  rawQuery: string;
  contentType: string | null;
  body: Buffer;
  /** Content-Length > 0 or chunked, which is what BBB's ContentTypeValidator looks at. */
  hasBody: boolean;
}

export interface ApiNode {
  readonly secret: string;
  readonly algorithms: readonly ChecksumAlgorithm[];
  readonly bbbVersion: string;
  /** http://host:port, where the node's own client and logout pages live. */
  readonly baseUrl: string;
  readonly store: MeetingStore;
}

interface Context {
  req: ApiRequest;
  node: ApiNode;
  params: ParamMap;
  param(name: string): string | undefined;
  /** How this call reports an error: XML, or for join a redirect carrying ?errors=. */
  fail(messageKey: string, message: string): SimResponse;
}

interface CallSpec {
  methods: readonly string[];
  /** Accepted POST body types (ContentTypeValidator / getSupportedContentTypes). */
  contentTypes: readonly string[];
  handle(ctx: Context): SimResponse;
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const XML_TYPES = ['application/xml', 'text/xml'];
const META_NAME = /^meta_[a-zA-Z][a-zA-Z0-9-]*$/;
// userdata-* keys become element names under <customdata>; keep only names that are valid XML.
const USERDATA_NAME = /^userdata-([A-Za-z_][A-Za-z0-9_.-]*)$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

const isXmlBody = (req: ApiRequest) => req.hasBody && XML_TYPES.includes(mimeType(req.contentType) ?? '');

function mimeType(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function integer(value: string | undefined, fallback: number): number {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : fallback;
}

/** Boolean.parseBoolean: only "true" (any case) is true. */
const javaBoolean = (value: string | undefined) => value?.toLowerCase() === 'true';

/** IsBooleanConstraint accepts empty, true, false, 0 and 1. */
const notBoolean = (value: string | undefined) => !!value && !['true', 'false', '0', '1'].includes(value.toLowerCase());

function meetingIdProblem(meetingID: string | undefined): [string, string] | undefined {
  if (!meetingID) return ['missingParamMeetingID', 'You must provide a meeting ID'];
  if (meetingID.length < 2 || meetingID.length > 256) return ['validationError', 'Meeting ID must be between 2 and 256 characters'];
  if (meetingID.includes(',')) return ['validationError', "Meeting ID cannot contain ','"];
  return undefined;
}

/** MeetingIDConstraint + MeetingExistsConstraint, shared by join, end and getMeetingInfo. */
function existingMeeting(ctx: Context): Meeting | SimResponse {
  const meetingID = ctx.param('meetingID');
  const problem = meetingIdProblem(meetingID);
  if (problem) return ctx.fail(...problem);
  return ctx.node.store.get(meetingID ?? '') ?? ctx.fail('notFound', 'A meeting with that ID does not exist');
}

/** The create constraints in the order this simulator reports them (BBB picks one from a HashMap). */
function createProblem(param: Context['param']): [string, string] | undefined {
  const meetingID = param('meetingID') ?? '';
  const name = param('name');
  const voiceBridge = param('voiceBridge');
  const idProblem = meetingIdProblem(meetingID);
  if (idProblem) return idProblem;
  if (!name) return ['validationError', 'You must provide a meeting name'];
  if (name.length < 2 || name.length > 256) return ['validationError', 'Meeting name must be between 2 and 256 characters'];
  if (voiceBridge && !/^-?\d+$/.test(voiceBridge)) return ['validationError', 'Voice bridge must be an integral value'];
  if (notBoolean(param('record'))) return ['validationError', 'Record must be a boolean value (true or false)'];
  if (meetingID.replace(CONTROL_CHARS, '') !== meetingID) return ['validationError', 'Invalid meeting ID'];
  if (javaBoolean(param('isBreakout')) && !param('parentMeetingID')) {
    return ['parentMeetingIdMissing', 'No parent meeting ID was provided for the breakout room'];
  }
  return undefined;
}

function create(ctx: Context): SimResponse {
  const { node, param } = ctx;
  const problem = createProblem(param);
  if (problem) return ctx.fail(...problem);
  const meetingID = param('meetingID') ?? '';
  const name = param('name') ?? '';

  const attendeePW = param('attendeePW');
  const moderatorPW = param('moderatorPW');
  const existing = node.store.get(meetingID);
  if (existing) {
    // 3.0: a repeat without passwords, or with the same two, is the same meeting; pre-uploaded slides are ignored.
    const same = existing.init.attendeePW === attendeePW && existing.init.moderatorPW === moderatorPW;
    if (same || (!attendeePW && !moderatorPW)) {
      return xmlResponse(xml.createXml(existing.view(), 'duplicateWarning',
        'This conference was already in existence and may currently be in progress.'));
    }
    return ctx.fail('idNotUnique', 'A meeting already exists with that meeting ID.  Please use a different meeting ID.');
  }

  const voiceBridge = param('voiceBridge') || node.store.pickVoiceBridge();
  if (node.store.voiceBridgeInUse(voiceBridge)) {
    return xmlResponse(xml.errorsXml([['nonUniqueVoiceBridge', 'The selected voice bridge is already in use.']]));
  }

  const metadata: Record<string, string> = {};
  const received: Record<string, string> = {};
  for (const [key, values] of ctx.params) {
    if (key === 'checksum') continue;
    received[key] = values[0] ?? '';
    // ParamsProcessorUtil.processMetaParam lowercases "to maintain backward compatibility with 0.81".
    if (META_NAME.test(key)) metadata[key.slice('meta_'.length).toLowerCase()] = values[0] ?? '';
  }
  const defaults = meetingDefaults(meetingID, name);
  const isBreakout = javaBoolean(param('isBreakout'));
  const meeting = node.store.add({
    ...defaults,
    attendeePW: attendeePW || defaults.attendeePW,
    moderatorPW: moderatorPW || defaults.moderatorPW,
    voiceBridge,
    dialNumber: param('dialNumber') || defaults.dialNumber,
    duration: integer(param('duration'), 0),
    record: javaBoolean(param('record')),
    maxUsers: integer(param('maxParticipants'), 0),
    metadata,
    isBreakout,
    parentMeetingID: isBreakout ? (param('parentMeetingID') ?? '') : defaults.parentMeetingID,
    sequence: integer(param('sequence'), 0),
    freeJoin: javaBoolean(param('freeJoin')),
    params: received,
  });
  if (isXmlBody(ctx.req)) {
    meeting.documents.push({ call: 'create', contentType: ctx.req.contentType ?? '', body: ctx.req.body.toString('utf8'), at: Date.now() });
  }
  return xmlResponse(xml.createXml(meeting.view()));
}

/** BBB's "Params required" answers are plain XML even when join would otherwise redirect. */
const paramsRequired = (message: string) => xmlResponse(xml.errorXml('Params required', message));

function resolveRole(ctx: Context, meeting: Meeting): Role | SimResponse {
  const role = ctx.param('role')?.toUpperCase();
  if (role === 'MODERATOR' || role === 'VIEWER') return role;
  const password = ctx.param('password');
  if (!password) {
    return paramsRequired('You must either send the valid role of the user, or the password, sould the meeting has one.');
  }
  const { attendeePW, moderatorPW } = meeting.init;
  if (!attendeePW || !moderatorPW) {
    return paramsRequired("You must send the 'role' parameter, since this meeting doesn't have any password.");
  }
  if (password === moderatorPW) return 'MODERATOR';
  if (password === attendeePW) return 'VIEWER';
  return paramsRequired('You must enter a valid password');
}

function join(ctx: Context): SimResponse {
  const fullName = (ctx.param('fullName') ?? '').replace(CONTROL_CHARS, '').trim();
  if (!fullName) return ctx.fail('missingParamFullName', 'You must provide your name');
  const meeting = existingMeeting(ctx);
  if (!(meeting instanceof Meeting)) return meeting;
  const createTime = ctx.param('createTime');
  if (createTime !== undefined && integer(createTime, -1) !== meeting.createTime) {
    return ctx.fail('mismatchCreateTimeParam', 'The createTime parameter submitted mismatches with the current meeting.');
  }
  const role = resolveRole(ctx, meeting);
  if (typeof role !== 'string') return role;
  const userID = ctx.param('userID') || undefined;
  if (meeting.isFull(userID)) {
    return ctx.fail('maxParticipantsReached', 'The number of participants allowed for this meeting has been reached.');
  }

  const customdata: Record<string, string> = {};
  for (const [key, values] of ctx.params) {
    const name = USERDATA_NAME.exec(key)?.[1];
    if (name) customdata[name] = values[0] ?? '';
  }
  const session = meeting.register({ fullName, role, userID, customdata });
  const url = `${ctx.node.baseUrl}/html5client/join?sessionToken=${session.sessionToken}`;
  const cookie = `JSESSIONID=${randomString(32, '0123456789ABCDEF')}; Path=/; HttpOnly`;
  if (!wantsRedirect(ctx)) {
    const response = xmlResponse(xml.joinXml({ ...session, internalMeetingID: meeting.internalMeetingID, url }));
    return { ...response, headers: { ...response.headers, 'Set-Cookie': cookie } };
  }
  return { status: 302, headers: { Location: url, 'Set-Cookie': cookie }, body: '' };
}

function wantsRedirect(ctx: Context): boolean {
  const redirect = ctx.param('redirect');
  return !redirect || javaBoolean(redirect);
}

// java.net.URI's multi-argument constructor quotes what is not legal in a query, '%' included.
function quoteUriQuery(text: string): string {
  let out = '';
  for (const ch of text) out += /[A-Za-z0-9_\-!.~'()*,;:$&+=?/[\]@]/.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}

/** ApiController.respondWithRedirect: errors go to the logout (or 2.7+ error) URL as ?errors=[{key,message}]. */
function joinFailure(ctx: Context, key: string, message: string): SimResponse {
  if (!wantsRedirect(ctx)) return xmlResponse(xml.errorXml(key, message));
  const target = ctx.param('errorRedirectUrl') || ctx.param('logoutURL') || ctx.node.baseUrl;
  const hash = target.indexOf('#');
  const base = hash < 0 ? target : target.slice(0, hash);
  const fragment = hash < 0 ? '' : target.slice(hash);
  const errors = quoteUriQuery(JSON.stringify([{ key, message }]));
  return { status: 302, headers: { Location: `${base}${base.includes('?') ? '&' : '?'}errors=${errors}${fragment}` }, body: '' };
}

function end(ctx: Context): SimResponse {
  const meeting = existingMeeting(ctx);
  if (!(meeting instanceof Meeting)) return meeting;
  // The password is optional since 2.7; one that is sent must still be the moderator's.
  const password = ctx.param('password');
  if (password && password !== meeting.init.moderatorPW) {
    return ctx.fail('invalidPassword', 'The supplied moderator password is incorrect');
  }
  ctx.node.store.end(meeting.meetingID);
  return xmlResponse(xml.endXml());
}

function isMeetingRunning(ctx: Context): SimResponse {
  const meetingID = ctx.param('meetingID');
  const problem = meetingIdProblem(meetingID);
  if (problem) return ctx.fail(...problem);
  return xmlResponse(xml.runningXml(ctx.node.store.get(meetingID ?? '')?.running ?? false));
}

function getMeetingInfo(ctx: Context): SimResponse {
  const meeting = existingMeeting(ctx);
  return meeting instanceof Meeting ? xmlResponse(xml.meetingInfoXml(meeting.view())) : meeting;
}

function getMeetings(ctx: Context): SimResponse {
  return xmlResponse(xml.meetingsXml(ctx.node.store.all().map((m) => m.view())));
}

function insertDocument(ctx: Context): SimResponse {
  const meetingID = ctx.param('meetingID');
  const problem = meetingIdProblem(meetingID);
  if (problem) return ctx.fail(...problem);
  const meeting = ctx.node.store.get(meetingID ?? '');
  if (!meeting) return xmlResponse(xml.insertDocumentXml('FAILED', `Meeting with id [${meetingID}] not found.`));
  // Without a payload bbb-web renders nothing and Grails falls through to a 404.
  if (!ctx.req.hasBody) return htmlResponse(404, '<html><body><h1>HTTP Status 404 – Not Found</h1></body></html>');
  meeting.documents.push({ call: 'insertDocument', contentType: ctx.req.contentType ?? '', body: ctx.req.body.toString('utf8'), at: Date.now() });
  return xmlResponse(xml.insertDocumentXml('SUCCESS', 'Presentation is being uploaded'));
}

/** SendChatMessage's constraints: message 1–500 characters, userName at most 255 (default "System"). */
function sendChatMessage(ctx: Context): SimResponse {
  const meeting = existingMeeting(ctx);
  if (!(meeting instanceof Meeting)) return meeting;
  const message = ctx.param('message') ?? '';
  if (!message) return ctx.fail('missingParamMessage', 'You must provide a message');
  if (message.length > 500) return ctx.fail('validationError', 'Message must be between 1 and 500 characters');
  const userName = ctx.param('userName') || 'System';
  if (userName.length > 255) return ctx.fail('validationError', 'User name must be at most 255 characters');
  meeting.chat.push({ userName, message, at: Date.now() });
  return xmlResponse(xml.sendChatMessageXml());
}

/** Every join session of the node (UserSession), with the internal meetingID. */
function getSessions(ctx: Context): SimResponse {
  const sessions = ctx.node.store.all().flatMap((m) =>
    m.allSessions().map((s) => ({ internalMeetingID: m.internalMeetingID, meetingName: m.init.name, fullName: s.user.fullName })));
  return xmlResponse(xml.sessionsXml(sessions));
}

const CALLS: Record<string, CallSpec> = {
  create: { methods: ['GET', 'POST'], contentTypes: [...FORM_TYPES, ...XML_TYPES], handle: create },
  join: { methods: ['GET'], contentTypes: FORM_TYPES, handle: join },
  end: { methods: ['GET', 'POST'], contentTypes: FORM_TYPES, handle: end },
  isMeetingRunning: { methods: ['GET', 'POST'], contentTypes: FORM_TYPES, handle: isMeetingRunning },
  getMeetingInfo: { methods: ['GET', 'POST'], contentTypes: FORM_TYPES, handle: getMeetingInfo },
  getMeetings: { methods: ['GET', 'POST'], contentTypes: FORM_TYPES, handle: getMeetings },
  insertDocument: { methods: ['POST'], contentTypes: XML_TYPES, handle: insertDocument },
  sendChatMessage: { methods: ['GET'], contentTypes: FORM_TYPES, handle: sendChatMessage },
  getSessions: { methods: ['GET', 'POST'], contentTypes: FORM_TYPES, handle: getSessions },
};

export const API_CALLS = ['index', ...Object.keys(CALLS), ...SESSION_CALLS];

/** The servlet parameter map: query string first, then a form body (url-encoded or multipart). */
async function collectParams(req: ApiRequest): Promise<ParamMap> {
  const params: ParamMap = new Map();
  const add = (key: string, value: string) => params.set(key, [...(params.get(key) ?? []), value]);
  for (const [key, value] of new URLSearchParams(req.rawQuery)) add(key, value);
  const mime = mimeType(req.contentType);
  if (req.hasBody && mime === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(req.body.toString('utf8'))) add(key, value);
  } else if (req.hasBody && mime === 'multipart/form-data') {
    try {
      const form = await new Response(new Uint8Array(req.body), { headers: { 'Content-Type': req.contentType ?? '' } }).formData();
      form.forEach((value, key) => typeof value === 'string' && add(key, value));
    } catch {
      // A broken multipart body contributes no parameters, and then fails the checksum.
    }
  }
  return params;
}

export async function handleApiCall(req: ApiRequest, node: ApiNode): Promise<SimResponse> {
  if (req.call === 'index') {
    const wsUrl = node.baseUrl.replace(/^http/, 'ws');
    return xmlResponse(xml.versionXml({
      bbbVersion: node.bbbVersion,
      graphqlWebsocketUrl: `${wsUrl}/graphql`,
      graphqlApiUrl: `${node.baseUrl}/api/rest`,
    }));
  }
  if (isSessionCall(req.call)) {
    const params = await collectParams(req);
    return handleSessionCall(req.call, { node, method: req.method, param: (name) => params.get(name)?.[0], body: req.body.toString('utf8') });
  }
  const spec = CALLS[req.call];
  if (!spec) return xmlResponse(xml.errorXml('unsupportedRequest', 'This request is not supported.'));
  if (!spec.methods.includes(req.method)) return methodNotAllowed(spec.methods);

  const params = await collectParams(req);
  const ctx: Context = {
    req,
    node,
    params,
    param: (name) => params.get(name)?.[0],
    fail: (key, message) => (req.call === 'join' ? joinFailure(ctx, key, message) : xmlResponse(xml.errorXml(key, message))),
  };
  // The checksum group is validated before every other constraint.
  if (!verifyChecksum({ call: req.call, rawQuery: req.rawQuery, params, secret: node.secret, algorithms: node.algorithms })) {
    return ctx.fail('checksumError', 'Checksums do not match');
  }
  if (req.hasBody && !spec.contentTypes.includes(mimeType(req.contentType) ?? '')) {
    return ctx.fail('unsupportedContentType', 'POST request Content-Type is missing or unsupported');
  }
  return spec.handle(ctx);
}
