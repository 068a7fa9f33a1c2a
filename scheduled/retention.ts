import { describeError, log } from '../src/observability/log.js';
import { applyRetention } from '../src/recordings/retention.js';
import type { Services } from '../src/services.js';

/** Cron: the recording retention policy, when one is set; never throws. */
export async function retention(svc: Services): Promise<void> {
  try {
    const report = await applyRetention(svc);
    if (report.deleted + report.failed > 0) log(report.failed > 0 ? 'warn' : 'notice', 'retention', { ...report });
  } catch (e) {
    log('error', 'retention failed', { error: describeError(e) });
  }
}
