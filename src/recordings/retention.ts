import { forEachLimited, WORKER_CONNECTIONS } from '../cluster/concurrency.js';
import { describeError, log } from '../observability/log.js';
import type { Services } from '../services.js';
import { markDeleted } from '../store/recordings.js';
import { recordingsOlderThan } from '../store/retention.js';
import { knownTenants } from '../tenancy/tenant.js';
import { deleteRecordingObjects } from './objects.js';


export interface RetentionReport {
  deleted: number;
  failed: number;
}

/**
 * RECORDING_RETENTION_DAYS: deletes recordings older than the policy, at most
 * RECORDING_RETENTION_BATCH_SIZE per tenant and run. Files first (both visibilities and text
 * tracks), then the row is marked deleted as deleteRecordings does; a recording whose files could
 * not all be removed stays listed and is tried again next run. Once the index says deleted, no
 * writer puts a file back (ingest and the Scalelite import check it first), so a last sweep
 * after the mark leaves nothing of it in R2.
 */
export async function applyRetention(svc: Services): Promise<RetentionReport> {
  const report: RetentionReport = { deleted: 0, failed: 0 };
  const { days, batchSize } = svc.cfg.retention;
  if (days <= 0) return report;
  for (const tenant of await knownTenants(svc)) {
    const expired = await recordingsOlderThan(svc.sql, { tenant, days, limit: batchSize });
    await forEachLimited(expired, WORKER_CONNECTIONS, async (recordID) => {
      try {
        await deleteRecordingObjects(svc.recordings, recordID);
        await markDeleted(svc.sql, tenant, recordID);
        // A re-upload or import that read the index before the mark may have written since.
        await deleteRecordingObjects(svc.recordings, recordID);
        report.deleted++;
        log('notice', 'recording deleted by retention', { tenant, recordID, days });
      } catch (e) {
        report.failed++;
        log('error', 'retention could not delete a recording', { tenant, recordID, error: describeError(e) });
      }
    });
  }
  return report;
}
