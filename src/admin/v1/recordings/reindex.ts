import * as z from 'zod';
import { BadCursor, DEFAULT_REINDEX_LIMIT, MAX_REINDEX_LIMIT, reindexRecordings } from '../../../recordings/reindex.js';
import { ApiError, operation } from '../operation.js';
import { ReindexReport } from '../schemas/recordings.js';

/** POST /recordings/reindex: one bounded page of the walk that rebuilds the index from R2 (docs/recordings.md). */

const ReindexBody = z.object({
  /** The previous answer's cursor; absent to start from the first record id. */
  cursor: z.string().min(1).max(2048).optional(),
  dryRun: z.boolean().default(false),
  limit: z.number().int().min(1).max(MAX_REINDEX_LIMIT).default(DEFAULT_REINDEX_LIMIT),
});

export const reindexOperation = operation({
  method: 'post',
  path: '/recordings/reindex',
  tag: 'recordings',
  summary: 'Rebuild the recording index from R2, one page per call: restores finished uploads missing from it, reports rows whose files are gone',
  description:
    'After Postgres was restored from an older backup. Walks the manifests of finished uploads in R2 and the index by record id, ' +
    'at most `limit` record ids per call; pass the answer\'s `cursor` back until it is null. Restored recordings get no ' +
    'recording-ready callback; an indexed recording\'s publication follows the prefix its files are under; nothing is deleted.',
  body: ReindexBody,
  response: ReindexReport,
  handler: async ({ svc, body }) => {
    try {
      return await reindexRecordings(svc, { cursor: body.cursor ?? null, limit: body.limit, dryRun: body.dryRun });
    } catch (e) {
      if (e instanceof BadCursor) throw new ApiError(400, 'invalid_cursor', e.message);
      throw e;
    }
  },
});
