import * as z from 'zod';
import { RecordId } from '../../../ids.js';

/**
 * Recordings as the index has them. The list's query and the reindex body stay beside their
 * operations: their limits are the recordings code's own (src/recordings/query.ts, reindex.ts).
 */

/** The index's states (src/store/recordings.ts): the list operation does not compile if they part. */
export const RecordingState = z.enum(['processing', 'processed', 'published', 'unpublished', 'deleted']);

export const RecordingSchema = z
  .object({
    recordID: z.string(),
    meetingID: z.string(),
    internalMeetingID: z.string(),
    name: z.string().nullable(),
    state: RecordingState,
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

export const RecordingPage = z.object({ total: z.number(), offset: z.number(), limit: z.number(), recordings: z.array(RecordingSchema) });

export const RecordParams = z.object({ recordID: RecordId });

export const ReindexReport = z
  .object({
    scanned: z.number(),
    restored: z.array(z.string()),
    alreadyIndexed: z.number(),
    missingObjects: z.array(z.string()),
    skipped: z.array(z.object({ recordID: z.string(), reason: z.string() })),
    cursor: z.string().nullable(),
  })
  .meta({ id: 'ReindexReport' });
