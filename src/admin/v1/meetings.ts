import type * as z from 'zod';
import { xmlText, type XmlObject, type XmlValue } from '../../bbb/xml.js';
import { end } from '../../api/end.js';
import { getMeetingInfo } from '../../api/get-meeting-info.js';
import { runningMeetings } from '../../api/get-meetings.js';
import { apiCallAs, callAs } from './bbb-call.js';
import { operation } from './operation.js';
import { Success, TenantQuery } from './schemas/common.js';
import { MeetingInfo, MeetingList, MeetingParams, MeetingSchema } from './schemas/meetings.js';

/**
 * Meetings through the BBB API's own handlers, called as the tenant's LMS would call them: the
 * list is exactly what its getMeetings shows, info comes from the node (or the shared answer),
 * and end takes the same path as an LMS's end (the route goes first, then the node is asked).
 */

const meetingParam = (p: { meetingID: string }) => [['meetingID', p.meetingID] as const];

const str = (v: XmlValue | undefined) => xmlText(v) ?? '';
const num = (v: XmlValue | undefined) => Number(xmlText(v)) || 0;

/** Plain JSON of a parsed XML tree (elements become objects, repeated ones lists). */
const plain = (v: XmlValue): unknown =>
  typeof v === 'string' ? v : Array.isArray(v) ? v.map(plain) : Object.fromEntries(Object.entries(v).map(([k, c]) => [k, plain(c)]));

function meeting(m: XmlObject): z.input<typeof MeetingSchema> {
  const meta = m.metadata;
  return {
    meetingID: str(m.meetingID),
    meetingName: str(m.meetingName),
    internalMeetingID: str(m.internalMeetingID),
    createTime: Number(xmlText(m.createTime)) || null,
    running: str(m.running) === 'true',
    participantCount: num(m.participantCount),
    moderatorCount: num(m.moderatorCount),
    listenerCount: num(m.listenerCount),
    voiceParticipantCount: num(m.voiceParticipantCount),
    videoCount: num(m.videoCount),
    isBreakout: str(m.isBreakout) === 'true',
    metadata: meta && typeof meta === 'object' && !Array.isArray(meta) ? Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, str(v)])) : {},
  };
}

export const meetingOperations = [
  operation({
    method: 'get',
    path: '/meetings',
    tag: 'meetings',
    summary: "A tenant's running meetings and their servers (the default tenant without ?tenant=), from the last poll; no node is called",
    description: "Exactly what the tenant's getMeetings shows (the same one Redis round trip), with each meeting's server.",
    query: TenantQuery,
    response: MeetingList,
    errors: [404],
    handler: async (ctx) => {
      const running = await runningMeetings(await apiCallAs(ctx, ctx.query.tenant));
      return { tenant: ctx.query.tenant, meetings: running.map((r) => ({ ...meeting(r.meeting), server: r.server })) };
    },
  }),
  operation({
    method: 'get',
    path: '/meetings/{meetingID}',
    tag: 'meetings',
    summary: "The meeting's getMeetingInfo from its server, as JSON",
    params: MeetingParams,
    query: TenantQuery,
    response: MeetingInfo,
    errors: [404, 502],
    handler: async (ctx) => {
      const info = await callAs(ctx, ctx.query.tenant, getMeetingInfo, meetingParam(ctx.params), 'running meeting with this meetingID');
      return { tenant: ctx.query.tenant, meetingID: ctx.params.meetingID, info: plain(info) as Record<string, unknown> };
    },
  }),
  operation({
    method: 'post',
    path: '/meetings/{meetingID}/end',
    tag: 'meetings',
    summary: 'End the meeting: its route is dropped, then its server is asked to end it',
    params: MeetingParams,
    query: TenantQuery,
    response: Success,
    errors: [404, 502],
    handler: async (ctx) => {
      await callAs(ctx, ctx.query.tenant, end, meetingParam(ctx.params), 'running meeting with this meetingID');
      return { ok: true as const };
    },
  }),
];
