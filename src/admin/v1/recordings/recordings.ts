import * as z from 'zod';
import { deleteRecordings } from '../../../api/delete-recordings.js';
import { publishRecordings } from '../../../api/publish-recordings.js';
import type { Handler } from '../../../api/context.js';
import { MeetingId, RecordId } from '../../../ids.js';
import { MAX_LIMIT } from '../../../recordings/query.js';
import { findRecordings } from '../../../store/recordings.js';
import { callAs } from '../bbb-call.js';
import { reindexOperation } from './reindex.js';
import { tenantScope } from '../tenants.js';
import { operation } from '../operation.js';
import { pageQuery, Success, tenantField, TenantQuery } from '../schemas/common.js';
import { RecordingPage, RecordingState, RecordParams } from '../schemas/recordings.js';

/**
 * Recordings of a tenant: the list reads the index as getRecordings does (newest first, paged);
 * publish, unpublish and delete run the BBB API's own handlers, so files move and the index
 * follows exactly as when an LMS asks.
 */

const ListQuery = z.object({
  ...tenantField,
  meetingID: MeetingId.optional(),
  /** A prefix of record ids, as BBB matches them. */
  recordID: RecordId.optional(),
  state: RecordingState.optional(),
  ...pageQuery(MAX_LIMIT, 25),
});

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
    response: RecordingPage,
    errors: [404],
    handler: async (ctx) => {
      const { svc, query: q } = ctx;
      await tenantScope(ctx, q.tenant);
      const filter = {
        ...(q.recordID ? { recordIDs: [q.recordID] } : q.meetingID ? { meetingIDs: [q.meetingID] } : {}),
        ...(q.state ? { states: [q.state] } : {}),
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
