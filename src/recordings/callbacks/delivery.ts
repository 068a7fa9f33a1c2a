import { forEachLimited, WORKER_CONNECTIONS } from '../../cluster/concurrency.js';
import type { CallbackSettings } from '../../config.js';
import { describeError, log } from '../../observability/log.js';
import type { Services } from '../../services.js';
import { claimDueDeliveries, recordOutcomes, type AttemptOutcome, type DueDelivery } from '../../store/callbacks.js';
import { tenantById } from '../../tenancy/tenant.js';
import { analyticsRequest } from '../analytics/request.js';
import { signJwt } from './jwt.js';
import { countNow } from '../../observability/counters.js';

const FIRST_RETRY_SECONDS = 60;
const MAX_RETRY_SECONDS = 3600;

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  retrying: number;
  stopped: number;
}

/**
 * One attempt for each due delivery, at most `batchSize` per run (Workers limit subrequests per
 * invocation); `only` attempts just those ids (right after enqueueing). Outcomes are written back
 * in one statement.
 */
export async function deliverDue(svc: Services, o: { only?: string[] } = {}): Promise<DeliveryReport> {
  const settings = svc.cfg.callbacks;
  const { due, expired } = await claimDueDeliveries(svc.sql, {
    limit: settings.batchSize,
    // Long enough for every secret to time out once, so a slow attempt is not claimed twice.
    leaseSeconds: Math.ceil((settings.timeoutMs * Math.max(1, svc.cfg.secrets.length)) / 1000) + 30,
    ...(o.only ? { only: o.only } : {}),
  });
  // Never attempted again before it expired (the cron stopped, or a backlog beyond CALLBACK_BATCH_SIZE).
  for (const d of expired) log('warn', 'callback given up', { ...deliveryFields(d), error: 'expired' });
  const attempts: Attempt[] = [];
  await forEachLimited(due, WORKER_CONNECTIONS, async (d) => {
    attempts.push(await attempt(svc, d));
  });
  const outcomes = attempts.map((a) => a.outcome);
  const givenUp = new Set(await recordOutcomes(svc.sql, outcomes));
  for (const a of attempts) logAttempt(a, givenUp.has(a.outcome.id));
  await countNow(
    svc,
    attempts.flatMap(({ outcome, fields }) =>
      outcome.outcome === 'delivered' ? [] : [['scaleflare_callbacks_failures_total', { kind: String(fields.kind), reason: failureReason(outcome) }] as const],
    ),
  );
  const count = (kind: AttemptOutcome['outcome']) => outcomes.filter((x) => x.outcome === kind).length;
  return { attempted: outcomes.length, delivered: count('delivered'), retrying: count('retry'), stopped: count('stop') };
}

/**
 * Attempts deliveries a request just queued once it has answered (`waitUntil`), as BBB calls back
 * at once: claimed like the cron's, so the two never send one delivery twice, and a failure is
 * left to the cron's backoff.
 */
export function deliverSoon(svc: Services, ids: string[], waitUntil: (p: Promise<unknown>) => void): void {
  if (ids.length === 0) return;
  waitUntil(deliverDue(svc, { only: ids }).catch((e: unknown) => log('error', 'immediate callback attempt failed', { error: describeError(e) })));
}

/** What a delivery's log lines name: never the URL's query, the JWT or a secret. */
const deliveryFields = (d: DueDelivery) => ({
  id: d.id,
  kind: d.kind,
  tenant: d.tenant,
  meetingID: d.payload.meeting_id,
  recordID: d.payload.record_id,
  target: redactUrl(d.url),
  attempt: d.attempts,
});

/** One attempt, and what its log line names. */
interface Attempt {
  outcome: AttemptOutcome;
  fields: Record<string, unknown>;
}

async function attempt(svc: Services, d: DueDelivery): Promise<Attempt> {
  const started = Date.now();
  const result =
    d.kind === 'meeting_ended'
      ? await send(svc.cfg.callbacks, d.url, { method: 'GET' })
      : await signedForFrontend(svc, d, d.kind === 'analytics' ? analyticsRequest : recordingReadyRequest);
  const outcome: AttemptOutcome = {
    id: d.id,
    outcome: result.outcome,
    status: result.status,
    error: result.error,
    retryInSeconds: result.outcome === 'retry' ? Math.min(FIRST_RETRY_SECONDS * 2 ** (d.attempts - 1), MAX_RETRY_SECONDS) : 0,
  };
  const fields = {
    ...deliveryFields(d),
    status: outcome.status,
    ...(outcome.error ? { error: outcome.error } : {}),
    ms: Date.now() - started,
  };
  return { outcome, fields };
}

/** Why an attempt did not deliver, in a few words fit for a metric label. */
function failureReason(o: AttemptOutcome): string {
  if (o.status === 404 || o.status === 410) return 'gone';
  if (o.status !== null) return `http_${Math.floor(o.status / 100)}xx`;
  if (o.error === 'timeout') return 'timeout';
  if (o.error?.startsWith('network')) return 'network';
  return o.error === 'no secret for the tenant' ? 'no_secret' : 'other';
}

/** Delivered and given up are events (kept at LOG_LEVEL=notice); a failed attempt that will be retried is a warning. */
function logAttempt({ outcome, fields }: Attempt, givenUp: boolean): void {
  if (outcome.outcome === 'delivered') log('notice', 'callback delivered', fields);
  else if (givenUp) log('warn', 'callback given up', fields);
  else log('warn', 'callback attempt failed, will retry', { ...fields, retryInSeconds: outcome.retryInSeconds });
}

type Result = Pick<AttemptOutcome, 'outcome' | 'status' | 'error'>;

/**
 * A call signed with the frontend's secret (recording-ready, analytics). As Scalelite, every
 * secret of the tenant is tried in turn until one is accepted or the frontend says the target is gone.
 */
async function signedForFrontend(
  svc: Services,
  d: DueDelivery,
  request: (payload: DueDelivery['payload'], secret: string) => Promise<RequestInit>,
): Promise<Result> {
  const secrets = await frontendSecrets(svc, d.tenant);
  if (secrets.length === 0) return { outcome: 'stop', status: null, error: 'no secret for the tenant' };
  let last: Result = { outcome: 'retry', status: null, error: null };
  for (const secret of secrets) {
    last = await send(svc.cfg.callbacks, d.url, await request(d.payload, secret));
    if (last.outcome !== 'retry') break;
  }
  return last;
}

/** BBB's recording-ready call: a form POST of `signed_parameters`, a JWT (HS256) of {meeting_id, record_id}. */
async function recordingReadyRequest(payload: DueDelivery['payload'], secret: string): Promise<RequestInit> {
  const token = await signJwt({ meeting_id: payload.meeting_id, record_id: payload.record_id }, secret);
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ signed_parameters: token }).toString(),
  };
}

/** The secrets the tenant's frontend verifies with (the load balancer's for the default tenant). */
async function frontendSecrets(svc: Services, tenantId: string): Promise<readonly string[]> {
  return (await tenantById(svc, tenantId, () => undefined))?.secrets ?? [];
}

/** 2xx: delivered; 404/410: the frontend says the target is gone, stop; anything else: retry. */
async function send(settings: CallbackSettings, url: string, init: RequestInit): Promise<Result> {
  try {
    // Redirects are not followed (as BBB): a 3xx is retried, and cannot lead to another host.
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(settings.timeoutMs) });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { outcome: 'delivered', status: res.status, error: null };
    const gone = res.status === 404 || res.status === 410;
    return { outcome: gone ? 'stop' : 'retry', status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    // Only the error's kind: messages can quote the URL.
    const name = e instanceof Error ? e.name : 'Error';
    return { outcome: 'retry', status: null, error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `network error (${name})` };
  }
}

/** Scheme, host and path: a URL's query is where frontends put their tokens. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
