import * as z from 'zod';
import { MeetingId } from '../../../ids.js';

/** Running meetings, as a tenant's getMeetings and getMeetingInfo show them. */

export const MeetingParams = z.object({ meetingID: MeetingId });

export const MeetingSchema = z
  .object({
    meetingID: z.string(),
    meetingName: z.string(),
    internalMeetingID: z.string(),
    createTime: z.number().nullable(),
    running: z.boolean(),
    participantCount: z.number(),
    moderatorCount: z.number(),
    listenerCount: z.number(),
    voiceParticipantCount: z.number(),
    videoCount: z.number(),
    isBreakout: z.boolean(),
    metadata: z.record(z.string(), z.string()),
    server: z.string().optional().describe('The id of the server it runs on (in lists)'),
  })
  .meta({ id: 'Meeting' });

export const MeetingList = z.object({ tenant: z.string(), meetings: z.array(MeetingSchema) });
export const MeetingInfo = z.object({ tenant: z.string(), meetingID: z.string(), info: z.record(z.string(), z.unknown()) });
