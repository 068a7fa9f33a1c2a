import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { services } from '../../src/services';
import { enqueueRecordingReady, listDeliveries, rememberMeetingCallbacks } from '../../src/store/callbacks';
import { clearReceiver, received, receiver } from './callbacks-support';
import { putFiles, seed } from './recordings-api-support';
import { envWith, resetAll } from './support';

// The Worker's cron entry with a retention policy: callbacks and retention run beside the poll.
const cronEnv = envWith({ RECORDING_RETENTION_DAYS: '30' });
const svc = services(cronEnv);

beforeEach(async () => {
  await resetAll();
  await svc.sql.query('DELETE FROM callback_deliveries');
  await svc.sql.query('DELETE FROM meeting_callbacks');
  await svc.sql.query('DELETE FROM recordings');
  await clearReceiver();
});

describe('cron', () => {
  it('delivers due callbacks and applies the retention policy beside the poll', async () => {
    await rememberMeetingCallbacks(svc.sql, { tenant: 'default', meetingID: 'cron-room', recordingReadyUrl: `${receiver}/cron-ready` });
    const s = enqueueRecordingReady(svc.cfg.callbacks, { tenant: 'default', meetingID: 'cron-room', recordID: 'cron-rec' });
    await svc.sql.query(s.text, s.params);
    await seed({ recordID: 'cron-old', startTime: Date.now() - 40 * 86_400_000 });
    await putFiles('published', 'presentation', 'cron-old', { 'metadata.xml': '<recording/>' });

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), cronEnv, ctx);
    await waitOnExecutionContext(ctx);

    expect(await received('/cron-ready')).toHaveLength(1);
    expect((await listDeliveries(svc.sql, { tenant: 'default' }))[0]).toMatchObject({ status: 'delivered' });
    const [row] = await svc.sql.query(`SELECT state FROM recordings WHERE record_id = 'cron-old'`);
    expect(row).toEqual({ state: 'deleted' });
  });
});
