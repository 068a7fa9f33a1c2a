// Misbehaviour a node can be told to show, and the bodies that go with it.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { API_CALLS } from './api';
import { SimError } from './errors';
import { htmlResponse, send, XML_HEADERS, xmlResponse, type SimResponse } from './response';
import { meetingXml, type MeetingView } from './xml';

export const FAULT_TYPES = [
  'timeout', // accept the connection, never answer
  'http500',
  'http502', // nginx's Bad Gateway: the node's web server is up, bbb-web behind it is not
  'html', // 200 with an HTML page, as a captive portal or a misrouted proxy would
  'malformed', // the real answer, cut off and closed with a mismatched tag
  'slow', // the real answer after delayMs
  'refuse', // stop listening, so connections are refused
  'hostile', // a DOCTYPE with nested (billion laughs) and/or external entities
  'huge', // a getMeetings-looking answer of sizeBytes, streamed
  'noReturncode', // the real answer without <returncode>
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export const HOSTILE_VARIANTS = ['billionLaughs', 'externalEntity', 'both'] as const;
export type HostileVariant = (typeof HOSTILE_VARIANTS)[number];

export interface Fault {
  type: FaultType;
  /** Only this API call misbehaves ('index' for the root); all calls when absent. */
  call?: string;
  /** slow: delay before answering. */
  delayMs?: number;
  /** huge: approximate body size. */
  sizeBytes?: number;
  /** hostile: which entity attack to send. */
  variant?: HostileVariant;
}

/** What callers may pass: a fault, or { type: 'none' } to clear it. */
export type FaultInput = Fault | { type: 'none' };

const DEFAULT_DELAY_MS = 3_000;
const DEFAULT_HUGE_BYTES = 32 * 1024 * 1024;

function boundedInt(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new SimError(400, `${name} must be an integer between 0 and ${max}`);
  }
  return value;
}

/** Validates untrusted input (control API) into a fault with its defaults, or null for 'none'. */
export function parseFault(input: unknown): Fault | null {
  if (typeof input !== 'object' || input === null) throw new SimError(400, 'fault must be an object');
  const { type, call, delayMs, sizeBytes, variant } = input as Record<string, unknown>;
  if (type === 'none') return null;
  if (!(FAULT_TYPES as readonly unknown[]).includes(type)) {
    throw new SimError(400, `type must be one of none, ${FAULT_TYPES.join(', ')}`);
  }
  if (call !== undefined && !API_CALLS.includes(call as string)) {
    throw new SimError(400, `call must be one of ${API_CALLS.join(', ')}`);
  }
  if (call !== undefined && type === 'refuse') throw new SimError(400, 'refuse closes the whole port and cannot be limited to a call');
  if (variant !== undefined && !(HOSTILE_VARIANTS as readonly unknown[]).includes(variant)) {
    throw new SimError(400, `variant must be one of ${HOSTILE_VARIANTS.join(', ')}`);
  }
  const fault: Fault = { type: type as FaultType };
  if (call !== undefined) fault.call = call as string;
  if (type === 'slow') fault.delayMs = boundedInt(delayMs, 'delayMs', 600_000) ?? DEFAULT_DELAY_MS;
  if (type === 'huge') fault.sizeBytes = boundedInt(sizeBytes, 'sizeBytes', 2 ** 30) ?? DEFAULT_HUGE_BYTES;
  if (type === 'hostile') fault.variant = (variant as HostileVariant | undefined) ?? 'both';
  return fault;
}

export function faultApplies(fault: Fault | null, call: string): fault is Fault {
  return fault !== null && (fault.call === undefined || fault.call === call);
}

function hostileXml(variant: HostileVariant): string {
  const laughs = variant !== 'externalEntity';
  const external = variant !== 'billionLaughs';
  const entities = [
    ...(laughs ? ['<!ENTITY lol "lol">'] : []),
    ...(laughs ? Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`) : []),
    ...(external ? ['<!ENTITY xxe SYSTEM "file:///etc/passwd">'] : []),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE response [',
    ...entities,
    ']>',
    '<response>',
    '<returncode>SUCCESS</returncode>',
    '<meetings>',
    '<meeting>',
    `<meetingName>${laughs ? '&lol9;' : 'hostile'}</meetingName>`,
    `<meetingID>${external ? '&xxe;' : 'hostile'}</meetingID>`,
    '</meeting>',
    '</meetings>',
    '</response>',
  ].join('\n');
}

function fillerMeeting(): string {
  const view: MeetingView = {
    name: 'Filler @@', meetingID: 'huge-@@', internalMeetingID: `${'f'.repeat(40)}-@@`, parentMeetingID: 'bbb-none',
    attendeePW: 'ap', moderatorPW: 'mp', createTime: 1_700_000_000_000, createDate: 'Tue Nov 14 22:13:20 UTC 2023',
    voiceBridge: '70757', dialNumber: '613-555-1234', running: true, duration: 0, hasUserJoined: true, recording: false,
    hasBeenForciblyEnded: false, startTime: 1_700_000_000_020, endTime: 0, participantCount: 0, listenerCount: 0,
    voiceParticipantCount: 0, videoCount: 0, maxUsers: 0, moderatorCount: 0, attendees: [], metadata: {},
    isBreakout: false, sequence: 0, freeJoin: false, breakoutRooms: [],
  };
  return meetingXml(view);
}

async function drainedOrClosed(res: ServerResponse): Promise<void> {
  // The abort removes the listener of whichever event did not happen.
  const done = new AbortController();
  const { signal } = done;
  await Promise.race([once(res, 'drain', { signal }), once(res, 'close', { signal })]).finally(() => done.abort());
}

/** Streams a syntactically fine getMeetings answer of about sizeBytes, honouring backpressure. */
async function writeHuge(res: ServerResponse, sizeBytes: number): Promise<void> {
  res.writeHead(200, XML_HEADERS);
  const template = fillerMeeting();
  const tail = '\n</meetings>\n</response>';
  let written = 0;
  let n = 0;
  const write = (chunk: string) => {
    written += chunk.length; // ASCII only, so characters are bytes
    return res.write(chunk);
  };
  write('<response>\n<returncode>SUCCESS</returncode>\n<meetings>');
  while (written + tail.length < sizeBytes && !res.destroyed) {
    let chunk = '';
    while (chunk.length < 64 * 1024) chunk += '\n' + template.replaceAll('@@', String(++n));
    if (!write(chunk)) await drainedOrClosed(res);
  }
  res.end(tail);
}

/**
 * Faults that replace the node's work entirely. Returns false when the fault needs the real answer
 * (slow, malformed, noReturncode) or is handled by the node itself (timeout, refuse).
 */
export async function answerInstead(fault: Fault, res: ServerResponse): Promise<boolean> {
  switch (fault.type) {
    case 'http500':
      send(res, htmlResponse(500, '<!doctype html><html><head><title>HTTP Status 500 – Internal Server Error</title></head>' +
        '<body><h1>HTTP Status 500 – Internal Server Error</h1></body></html>'));
      return true;
    case 'http502':
      send(res, htmlResponse(502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>' +
        '<hr><center>nginx</center></body></html>'));
      return true;
    case 'html':
      send(res, htmlResponse(200, '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>' +
        '<body><h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is successfully installed.</p></body></html>'));
      return true;
    case 'hostile':
      send(res, xmlResponse(hostileXml(fault.variant ?? 'both')));
      return true;
    case 'huge':
      await writeHuge(res, fault.sizeBytes ?? DEFAULT_HUGE_BYTES);
      return true;
    default:
      return false;
  }
}

/** Faults that damage the real answer on its way out. Only XML bodies are touched (not join's 302). */
export function damage(fault: Fault, response: SimResponse): SimResponse {
  if (!response.headers['Content-Type']?.startsWith('text/xml')) return response;
  if (fault.type === 'noReturncode') {
    return { ...response, body: response.body.replace(/<returncode>[^<]*<\/returncode>\n?/, '') };
  }
  if (fault.type === 'malformed') {
    return { ...response, body: `${response.body.slice(0, Math.ceil(response.body.length * 0.6))}</mismatched>\n<response` };
  }
  return response;
}
