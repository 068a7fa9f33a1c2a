import type { Family, MetricType, Sample } from './prometheus.js';

/**
 * Every metric /metrics serves, with its meaning (the HELP line). docs/observability.md lists
 * the same names; keep the two in step.
 */
export const METRICS = {
  // Counted by requests in isolate memory, summed across isolates in Redis.
  scaleflare_api_requests_total: { type: 'counter', help: 'BBB API calls, by call name and result (SUCCESS or the messageKey answered).' },
  scaleflare_join_redirects_total: { type: 'counter', help: 'Joins redirected to a node, by server.' },
  scaleflare_placement_decisions_total: { type: 'counter', help: 'Create placements, by decision (new route or existing route) and server.' },
  scaleflare_placement_failures_total: { type: 'counter', help: 'Creates no server could take, by reason (no_server, tag_unavailable, vb_exhausted).' },
  scaleflare_join_failures_total: { type: 'counter', help: 'Joins answered with an error instead of a redirect, by reason (the messageKey: notFound, serverUnavailable, …).' },
  scaleflare_http_request_duration_seconds: { type: 'histogram', help: 'Request wall time, by call (a BBB call name, admin, ingest, callbacks, playback, proxy).' },
  // Counted where they happen, off the hot path (one HINCRBY, or in the poll's own write).
  scaleflare_server_panics_total: { type: 'counter', help: 'Servers panicked, by server and cause (auto: the poll after SERVER_PANIC_THRESHOLD failures; admin: an operator).' },
  scaleflare_server_suspicions_total: { type: 'counter', help: 'Servers marked suspect by a failed node call on the request path, by server and cause (network, timeout, http_502/503/504).' },
  scaleflare_meeting_recoveries_total: { type: 'counter', help: 'Meetings whose server was lost, by outcome (recreated elsewhere, failed, no_record: nothing kept to re-create it from, off: MEETING_RECOVERY=off).' },
  scaleflare_recording_uploads_started_total: { type: 'counter', help: 'Recordings a node began to upload (the first file of a record id not seen before).' },
  scaleflare_recording_uploads_completed_total: { type: 'counter', help: 'Recording uploads completed and indexed (re-uploads included).' },
  scaleflare_recording_uploads_failed_total: { type: 'counter', help: 'Ingest calls refused or failed, by reason (the ingest error code).' },
  scaleflare_recording_import_delay_seconds: { type: 'histogram', help: "From the node's publish time (metadata.xml end_time plus its longest processing_time) to indexed, first import only." },
  scaleflare_recording_publish_delay_seconds: { type: 'histogram', help: "From the end of the meeting (metadata.xml end_time) to indexed, first import only: the node's processing plus the import." },
  scaleflare_callbacks_failures_total: { type: 'counter', help: 'Callback attempts that did not deliver, by kind and reason (timeout, network, http_4xx, http_5xx, gone, no_secret, other).' },
  // Read from the poller's state at scrape time.
  scaleflare_server_online: { type: 'gauge', help: '1 when the server is online (passed the health thresholds), else 0.' },
  scaleflare_server_state: { type: 'gauge', help: "1 for the server's configured state (enabled, cordoned, disabled), 0 for the others." },
  scaleflare_server_load: { type: 'gauge', help: "Placement score: the last poll's load plus reservations for meetings placed since." },
  scaleflare_server_meetings: { type: 'gauge', help: 'Meetings on the server at the last poll.' },
  scaleflare_server_users: { type: 'gauge', help: 'Participants on the server at the last poll.' },
  scaleflare_server_video_streams: { type: 'gauge', help: 'Video streams on the server at the last poll.' },
  scaleflare_server_last_poll_age_seconds: { type: 'gauge', help: 'Seconds since the server was last polled.' },
  scaleflare_poll_last_success_age_seconds: { type: 'gauge', help: 'Seconds since the last completed poll cycle; the first thing to alert on.' },
  scaleflare_poll_duration_seconds: { type: 'gauge', help: 'Wall time of the last poll cycle.' },
  scaleflare_poll_servers: { type: 'gauge', help: 'Servers polled in the last poll cycle.' },
  scaleflare_poll_failed_servers: { type: 'gauge', help: 'Servers that did not answer in the last poll cycle.' },
  scaleflare_poll_cycles_total: { type: 'counter', help: 'Poll cycles completed.' },
  scaleflare_poll_server_failures_total: { type: 'counter', help: 'Server polls that failed, summed over cycles.' },
  scaleflare_server_offline_since_seconds: { type: 'gauge', help: 'Seconds the server has been offline (0 while online; from the first failed poll of the outage).' },
  scaleflare_server_capacity: { type: 'gauge', help: 'The capacity an operator set, by resource (users, meetings, video_streams); absent: unknown.' },
  scaleflare_placement_imbalance_ratio: { type: 'gauge', help: 'Highest over lowest load of enabled online servers, each plus 1 (1: balanced; absent with fewer than two).' },
  scaleflare_pool_headroom: { type: 'gauge', help: 'What the pool can still take if its largest enabled server is lost, by resource (users, meetings); absent when unknown.' },
  scaleflare_pool_headroom_known: { type: 'gauge', help: '1 when every enabled online server has the capacity for the resource, so scaleflare_pool_headroom is given; else 0.' },
  // Probed at scrape time.
  scaleflare_storage_up: { type: 'gauge', help: 'Whether the store answered a probe at scrape time, by store (postgres, redis, r2).' },
  scaleflare_storage_latency_seconds: { type: 'gauge', help: "The probe's round trip at scrape time, by store (absent when it failed)." },
  scaleflare_recordings_pending_upload: { type: 'gauge', help: 'Recordings a node began to upload and has not finished, by server.' },
  scaleflare_recordings_processing: { type: 'gauge', help: "Recordings a node reported processing or processed (its post_archive and post_process hooks) and has not uploaded yet, by server." },
  scaleflare_recordings_processing_oldest_age_seconds: { type: 'gauge', help: 'Seconds since the meeting of the oldest recording still processing ended, by server (absent when none).' },
  scaleflare_recording_bytes: { type: 'gauge', help: 'Bytes of recordings stored, by tenant (from the index, which ingest, delete and retention keep current).' },
  scaleflare_callbacks_pending: { type: 'gauge', help: 'Callbacks waiting for delivery, by kind (recording_ready, meeting_ended, analytics).' },
  scaleflare_callbacks_oldest_pending_age_seconds: { type: 'gauge', help: 'Age of the oldest callback waiting for delivery (0 when none).' },
  scaleflare_build_info: { type: 'gauge', help: 'Always 1; the version and commit of the running Worker.' },
  scaleflare_config_valid: { type: 'gauge', help: '1 when the configuration is valid; 0 when it is not (the Worker answers only this and build_info).' },
  // A tenant's own endpoint (/metrics/tenant on its host).
  scaleflare_tenant_meetings: { type: 'gauge', help: "The tenant's meetings on the pool now." },
  scaleflare_tenant_attendees: { type: 'gauge', help: "The tenant's attendees on the pool at the last poll." },
  scaleflare_tenant_meetings_limit: { type: 'gauge', help: "The tenant's concurrent meeting limit (absent: none)." },
  scaleflare_tenant_attendees_limit: { type: 'gauge', help: "The tenant's concurrent attendee limit (absent: none)." },
  scaleflare_tenant_meeting_minutes_total: { type: 'counter', help: "Minutes of the tenant's meetings, ended ones and running ones so far (from the meeting history)." },
  scaleflare_tenant_recording_bytes: { type: 'gauge', help: "Bytes of the tenant's recordings stored." },
} as const satisfies Record<string, { type: MetricType; help: string }>;

export type MetricName = keyof typeof METRICS;

/** The metrics counted as things happen, summed in Redis (the rest are read at scrape time). */
export const REQUEST_COUNTERS = [
  'scaleflare_api_requests_total',
  'scaleflare_join_redirects_total',
  'scaleflare_placement_decisions_total',
  'scaleflare_placement_failures_total',
  'scaleflare_join_failures_total',
  'scaleflare_server_panics_total',
  'scaleflare_server_suspicions_total',
  'scaleflare_meeting_recoveries_total',
  'scaleflare_recording_uploads_started_total',
  'scaleflare_recording_uploads_completed_total',
  'scaleflare_recording_uploads_failed_total',
  'scaleflare_callbacks_failures_total',
] as const satisfies readonly MetricName[];

export type RequestCounter = (typeof REQUEST_COUNTERS)[number];

/** Histograms kept as counters (src/observability/histogram.ts), with their buckets in seconds. */
export const HISTOGRAMS = {
  // 5 ms to 30 s: a cached join to a slow node call at its timeout.
  scaleflare_http_request_duration_seconds: { buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
  // 10 s to a day: a node's post_publish run to a backlog a day old.
  scaleflare_recording_import_delay_seconds: { buckets: [10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400] },
  // 1 min to 2 days: a short meeting processed at once to a long one behind a queue.
  scaleflare_recording_publish_delay_seconds: { buckets: [60, 300, 600, 1800, 3600, 7200, 14400, 21600, 43200, 86400, 172800] },
} as const satisfies Partial<Record<MetricName, { buckets: readonly number[] }>>;

export type HistogramName = keyof typeof HISTOGRAMS;

export function family(name: MetricName, samples: Sample[]): Family {
  return { name, ...METRICS[name], samples };
}
