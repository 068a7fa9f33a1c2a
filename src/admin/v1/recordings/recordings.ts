import * as z from 'zod';
import { deleteRecordings } from '../../../api/delete-recordings.js';
import { publishRecordings } from '../../../api/publish-recordings.js';
import type { Handler } from '../../../api/context.js';
import { MeetingId, RecordId } from '../../../ids.js';
import { MAX_LIMIT } from '../../../recordings/query.js';
import { findRecordings, RECORDING_STATES } from '../../../store/recordings.js';
import { callAs } from '../bbb-call.js';
import { reindexOperation } from './reindex.js';
import { tenantScope } from '../tenants.js';
import { operation, pageQuery, Success, tenantField, TenantQuery } from '../operation.js';

/**
 * Recordings of a tenant: the list reads the index as getRecordings does (newest first, paged);
 * publish, unpublish and delete run the BBB API's own handlers, so files move and the index
 * follows exactly as when an LMS asks.
 */

const State = z.enum(RECORDING_STATES as [string, ...string[]]);

const ListQuery = z.object({
  ...tenantField,
  meetingID: MeetingId.optional(),
  /** A prefix of record ids, as BBB matches them. */
  recordID: RecordId.optional(),
  state: State.optional(),
  ...pageQuery(MAX_LIMIT, 25),
});

const RecordingSchema = z
  .object({
    recordID: z.string(),
    meetingID: z.string(),
    internalMeetingID: z.string(),
    name: z.string().nullable(),
    state: State,
    published: z.boolean(),
    protected: z.boolean(),
    participants: z.number().nullable(),
    startTime: z.number().nullable(),
    endTime: z.number().nullable(),
    size: z.number().nullable(),
    rawSize: z.number().nullable(),
    isBreakout: z.boolean(),
    parentMeetingID: z.string().nullable(),
    sequence: z.number().nullable(),
    metadata: z.record(z.string(), z.string()),
    breakoutRooms: z.array(z.string()),
    formats: z.array(
      z.object({
        format: z.string(),
        url: z.string(),
        length: z.number(),
        processingTime: z.number().nullable(),
        size: z.number().nullable(),
        preview: z.array(z.unknown()),
      }),
    ),
  })
  .meta({ id: 'Recording' });

const RecordParams = z.object({ recordID: RecordId });

const bbbAction = (verb: string, summary: string, handler: Handler, extra: [string, string][]) =>
  operation({
    method: verb === 'delete' ? 'delete' : 'post',
    path: verb === 'delete' ? '/recordings/{recordID}' : `/recordings/{recordID}/${verb}`,
    tag: 'recordings',
    summary,
    params: RecordParams,
    query: TenantQuery,
    response: Success,
    errors: [404, 502],
    handler: async (ctx) => {
      await callAs(ctx, ctx.query.tenant, handler, [['recordID', ctx.params.recordID], ...extra], `recording ${ctx.params.recordID}`);
      return { ok: true as const };
    },
  });

export const recordingOperations = [
  operation({
    method: 'get',
    path: '/recordings',
    tag: 'recordings',
    summary: "A tenant's recordings, newest first, paged; filters: meetingID, recordID prefix, state",
    query: ListQuery,
    response: z.object({ total: z.number(), offset: z.number(), limit: z.number(), recordings: z.array(RecordingSchema) }),
    errors: [404],
    handler: async (ctx) => {
      const { svc, query: q } = ctx;
      await tenantScope(ctx, q.tenant);
      const filter = {
        ...(q.recordID ? { recordIDs: [q.recordID] } : q.meetingID ? { meetingIDs: [q.meetingID] } : {}),
        ...(q.state ? { states: [q.state as (typeof RECORDING_STATES)[number]] } : {}),
      };
      const page = await findRecordings(svc.sql, q.tenant, filter, { offset: q.offset, limit: q.limit, count: true });
      return { total: page.total ?? 0, offset: q.offset, limit: q.limit, recordings: page.recordings };
    },
  }),
  bbbAction('publish', 'Publish: files move to the published prefix, then the index follows', publishRecordings, [['publish', 'true']]),
  bbbAction('unpublish', 'Unpublish: files move to the unpublished prefix, then the index follows', publishRecordings, [['publish', 'false']]),
  bbbAction('delete', "Delete every file of the recording and mark it deleted", deleteRecordings, []),
  reindexOperation,
];
