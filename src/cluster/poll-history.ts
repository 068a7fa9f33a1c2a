import { describeError, log } from '../observability/log.js';
import { parseSeries } from '../observability/prometheus.js';
import type { Services } from '../services.js';
import type { FoundMeeting, ServerHealth } from '../store/cluster-state.js';
import { SAMPLE_MINUTES, writeSample, type PoolSample, type TenantSample } from '../store/history-samples.js';
import { MetricsStore } from '../store/metrics.js';
import type { ServerPoll } from './poll-servers.js';

const SAMPLE_MS = SAMPLE_MINUTES * 60_000;
/** The cron runs every minute: the cycle that starts within the first minute of a period samples it. */
const CRON_MS = 60_000;

/** The sample time this cycle opens, if it is the first of a sample period. */
export function sampleTime(now: number): Date | undefined {
  const at = now - (now % SAMPLE_MS);
  return now - at < CRON_MS ? new Date(at) : undefined;
}

export interface CycleOutcome {
  polled: Map<string, ServerPoll>;
  /** Health as the cycle began (for failures in a row). */
  health: Map<string, ServerHealth>;
  found: FoundMeeting[];
  /** Attendees per tenant on the whole pool. */
  attendees: Map<string, number>;
  ms: number;
}

/**
 * Writes the history sample when this cycle opens a period (one in SAMPLE_MINUTES): two Redis reads
 * at once (poll stats, request counters) and one Postgres statement. Never fails the poll.
 */
export async function recordHistory(svc: Services, now: number, cycle: CycleOutcome): Promise<void> {
  const at = sampleTime(now);
  if (!at) return;
  try {
    const [stats, counters] = await Promise.all([
      svc.cluster.pollStats(),
      // Counters are kept only with metrics on; a read adds nothing to them.
      svc.cfg.metrics.token ? new MetricsStore(svc.redis, svc.cfg.redis.namespace).totals(new Map()) : undefined,
    ]);
    const servers = [...cycle.polled].map(([serverId, { result: r }]) => ({
      serverId,
      answered: r.online,
      meetings: r.meetings,
      participants: r.users,
      videoStreams: r.videos,
      load: r.online ? r.load : null,
      pollFailures: r.online ? 0 : (cycle.health.get(serverId)?.failures ?? 0) + 1,
    }));
    const meetings = new Map<string, number>();
    for (const m of cycle.found) meetings.set(m.tenant, (meetings.get(m.tenant) ?? 0) + 1);
    const tenants: TenantSample[] = [...meetings].map(([tenantId, meetings]) => ({
      tenantId,
      meetings,
      participants: cycle.attendees.get(tenantId) ?? 0,
    }));
    const pool: PoolSample = {
      pollMs: cycle.ms,
      servers: servers.length,
      serversFailed: servers.filter((s) => !s.answered).length,
      pollFailuresTotal: stats.failures,
      ...counterTotals(counters),
    };
    await writeSample(svc.sql, { at, pool, servers, tenants });
  } catch (e) {
    log('warn', 'poll: the history sample was not written', { error: describeError(e) });
  }
}

type CounterTotals = Pick<PoolSample, 'apiErrorsTotal' | 'joinFailuresTotal' | 'importsTotal' | 'importDelaySecondsTotal'>;

const IMPORT_DELAY = 'scaleflare_recording_import_delay_seconds';

/**
 * From the request counters: BBB API calls answered with an error, failed joins, and the import
 * delay histogram's count and sum (stored as a count per bucket and a sum in milliseconds).
 */
function counterTotals(counters: Map<string, number> | undefined): CounterTotals {
  if (!counters) return { apiErrorsTotal: null, joinFailuresTotal: null, importsTotal: null, importDelaySecondsTotal: null };
  let apiErrors = 0;
  let joinFailures = 0;
  let imports = 0;
  let importDelayMs = 0;
  for (const [series, n] of counters) {
    const s = parseSeries(series);
    if (s?.name === 'scaleflare_api_requests_total' && s.labels.result !== 'SUCCESS') apiErrors += n;
    else if (s?.name === 'scaleflare_join_failures_total') joinFailures += n;
    else if (s?.name === `${IMPORT_DELAY}_bucket`) imports += n;
    else if (s?.name === `${IMPORT_DELAY}_sum_ms`) importDelayMs += n;
  }
  return { apiErrorsTotal: apiErrors, joinFailuresTotal: joinFailures, importsTotal: imports, importDelaySecondsTotal: importDelayMs / 1000 };
}
