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
  // A tenant's own endpoint (/metrics/tenant on its host).
  scaleflare_tenant_meetings: { type: 'gauge', help: "The tenant's meetings on the pool now." },
  scaleflare_tenant_attendees: { type: 'gauge', help: "The tenant's attendees on the pool at the last poll." },
  scaleflare_tenant_meetings_limit: { type: 'gauge', help: "The tenant's concurrent meeting limit (absent: none)." },
  scaleflare_tenant_attendees_limit: { type: 'gauge', help: "The tenant's concurrent attendee limit (absent: none)." },
} as const satisfies Record<string, { type: MetricType; help: string }>;

export type MetricName = keyof typeof METRICS;

/** The metrics requests count (the rest are read from cluster state at scrape time). */
export const REQUEST_COUNTERS = [
  'scaleflare_api_requests_total',
  'scaleflare_join_redirects_total',
  'scaleflare_placement_decisions_total',
  'scaleflare_placement_failures_total',
] as const satisfies readonly MetricName[];

export type RequestCounter = (typeof REQUEST_COUNTERS)[number];

export function family(name: MetricName, samples: Sample[]): Family {
  return { name, ...METRICS[name], samples };
}
