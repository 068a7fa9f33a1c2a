import { describeError, log } from '../src/observability/log.js';
import { deliverDue } from '../src/recordings/callbacks/delivery.js';
import type { Services } from '../src/services.js';

/** Cron: one attempt for each due callback delivery (bounded per run); never throws. */
export async function deliverCallbacks(svc: Services): Promise<void> {
  try {
    const report = await deliverDue(svc);
    if (report.attempted > 0) log('info', 'callbacks', { ...report });
  } catch (e) {
    log('error', 'callbacks failed', { error: describeError(e) });
  }
}
