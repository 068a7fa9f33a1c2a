import { serverMap } from '../cluster/server-cache.js';
import type { Services } from '../services.js';
import type { PollStats, ServerHealth } from '../store/cluster-state.js';
import type { ServerRow, ServerState } from '../store/servers.js';
import { outcomeStats, type OutcomeStats } from '../store/outcome-stats.js';
import { buildFamilies } from './build-info.js';
import { family, HISTOGRAMS, REQUEST_COUNTERS, type HistogramName } from './catalogue.js';
import { counterBatch } from './counters.js';
import { histogramSamples } from './histogram.js';
import { poolFamilies } from './pool-families.js';
import { parseSeries, render, type Family, type Sample } from './prometheus.js';
import { storageFamilies } from './storage-probe.js';

const STATES: ServerState[] = ['enabled', 'cordoned', 'disabled'];

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

/** Labels name a server by id and URL host: never its secret or full URL. */
const named = (s: ServerRow) => ({ server: s.id, host: hostOf(s.url) });

function serverFamilies(servers: ServerRow[], health: Map<string, ServerHealth>, now: number): Family[] {
  const per = (pick: (h: ServerHealth) => number | null) =>
    servers.flatMap((s): Sample[] => {
      const h = health.get(s.id);
      const value = h ? pick(h) : null;
      return value === null ? [] : [{ labels: named(s), value }];
    });
  return [
    family('scaleflare_server_online', per((h) => (h.online ? 1 : 0))),
    family(
      'scaleflare_server_state',
      servers.flatMap((s) => STATES.map((state) => ({ labels: { ...named(s), state }, value: s.state === state ? 1 : 0 }))),
    ),
    family('scaleflare_server_load', per((h) => h.load)),
    family('scaleflare_server_meetings', per((h) => h.meetings)),
    family('scaleflare_server_users', per((h) => h.users)),
    family('scaleflare_server_video_streams', per((h) => h.videos)),
    family('scaleflare_server_last_poll_age_seconds', per((h) => (h.polledAt === null ? null : (now - h.polledAt) / 1000))),
  ];
}

function pollFamilies(stats: PollStats, lastPoll: number | null, now: number): Family[] {
  const one = (value: number | undefined): Sample[] => (value === undefined ? [] : [{ value }]);
  return [
    family('scaleflare_poll_last_success_age_seconds', one(lastPoll === null ? undefined : (now - lastPoll) / 1000)),
    family('scaleflare_poll_duration_seconds', one(stats.last ? stats.last.ms / 1000 : undefined)),
    family('scaleflare_poll_servers', one(stats.last?.servers)),
    family('scaleflare_poll_failed_servers', one(stats.last?.failed)),
    family('scaleflare_poll_cycles_total', one(stats.cycles)),
    family('scaleflare_poll_server_failures_total', one(stats.failures)),
  ];
}

/** Counters and histograms from their stored series (`name{labels}`), in a stable order. */
function counterFamilies(totals: Map<string, number>): Family[] {
  const samples = new Map<string, Sample[]>(REQUEST_COUNTERS.map((n) => [n, []]));
  const stored: Parameters<typeof histogramSamples>[2] = [];
  for (const [series, value] of [...totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const parsed = parseSeries(series);
    if (!parsed) continue;
    samples.get(parsed.name)?.push({ labels: parsed.labels, value });
    stored.push({ ...parsed, value });
  }
  return [
    ...REQUEST_COUNTERS.map((n) => family(n, samples.get(n) ?? [])),
    ...(Object.keys(HISTOGRAMS) as HistogramName[]).map((n) => family(n, histogramSamples(n, HISTOGRAMS[n], stored))),
  ];
}

function pipelineFamilies(o: OutcomeStats): Family[] {
  const by = (key: string, m: Map<string, number>) => [...m].map(([k, value]) => ({ labels: { [key]: k }, value }));
  return [
    family('scaleflare_recordings_pending_upload', by('server', o.pendingUploads)),
    family('scaleflare_recordings_processing', by('server', o.processing)),
    family('scaleflare_recordings_processing_oldest_age_seconds', by('server', o.oldestProcessingSeconds)),
    family('scaleflare_recording_bytes', by('tenant', o.recordingBytes)),
    family('scaleflare_callbacks_pending', by('kind', o.callbacksPending)),
    family('scaleflare_callbacks_oldest_pending_age_seconds', [{ value: o.oldestCallbackSeconds }]),
  ];
}

/**
 * The exposition: the server list from the isolate's cache, then health, poll state and the
 * counters' totals from Redis, the pipeline's figures from Postgres (one statement) and a probe
 * of each store, at once. Postgres down, its figures are left out rather than failing the scrape.
 */
export async function scrape(svc: Services, waitUntil: (p: Promise<unknown>) => void, now = Date.now()): Promise<string> {
  const pool = await serverMap(svc.sql, svc.cfg.serverCacheMs, waitUntil, () => svc.cluster.mirroredServers());
  const servers = [...pool.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const [health, stats, lastPoll, totals, outcomes, storage] = await Promise.all([
    svc.cluster.health(servers),
    svc.cluster.pollStats(),
    svc.cluster.lastPoll(),
    counterBatch(svc)?.totals() ?? new Map<string, number>(),
    outcomeStats(svc.sql).catch(() => undefined),
    storageFamilies(svc),
  ]);
  return render([
    ...buildFamilies(svc.cfg.buildNumber, true),
    ...serverFamilies(servers, health, now),
    ...poolFamilies(servers, health, named, now),
    ...pollFamilies(stats, lastPoll, now),
    ...counterFamilies(totals),
    ...(outcomes ? pipelineFamilies(outcomes) : []),
    ...storage,
  ]);
}
