import { ConfigError, parseConfig } from '../config.js';
import type { Services } from '../services.js';
import { probe } from './storage-probe.js';

export interface Check {
  ok: boolean;
  /** Why it failed, in general words: the page is public, details go to the log. */
  error?: string;
}

export interface ConfigCheck extends Check {
  /** The settings at fault: names are not secret, values never shown. */
  settings: string[];
}

export interface PollCheck extends Check {
  lastPollAt: string | null;
  ageSeconds: number | null;
  staleAfterSeconds: number;
}

export interface Readiness {
  status: 'ready' | 'unready';
  checks: { postgres: Check; redis: Check; poll: PollCheck };
}

/** Why the configuration `configured()` refused is invalid, by setting name (re-parsed only on this failure path). */
export function configCheck(env: object): ConfigCheck {
  try {
    parseConfig(env as Record<string, unknown>);
    return { ok: true, settings: [] };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { ok: false, error: `invalid configuration: ${e.settings.join(', ')}`, settings: e.settings };
  }
}

/** A probe as the public page shows it: whether it answered, and why not in general words (details go to the log). */
async function check(name: string, work: () => Promise<unknown>): Promise<Check> {
  return (await probe(name, work)).ok ? { ok: true } : { ok: false, error: `${name} unreachable` };
}

/**
 * Postgres (one `SELECT 1` over Neon's HTTP endpoint), Redis (PING) and the age of the last
 * completed poll cycle, all at once and each bounded in time.
 */
export async function readiness(svc: Services, now = Date.now()): Promise<Readiness> {
  const staleAfterSeconds = svc.cfg.pollStaleMs / 1000;
  let lastPoll: number | null = null;
  const [postgres, redis, pollRead] = await Promise.all([
    check('postgres', () => svc.sql.query('SELECT 1')),
    check('redis', () => svc.redis.ping()),
    check('poll state', async () => (lastPoll = await svc.cluster.lastPoll())),
  ]);
  const ageSeconds = lastPoll === null ? null : Math.max(0, Math.round((now - lastPoll) / 1000));
  const poll: PollCheck = { ok: false, lastPollAt: lastPoll === null ? null : new Date(lastPoll).toISOString(), ageSeconds, staleAfterSeconds };
  if (!pollRead.ok) poll.error = 'last poll unknown: Redis unreachable';
  else if (lastPoll === null) poll.error = 'no poll has completed';
  else if (now - lastPoll > svc.cfg.pollStaleMs) poll.error = 'polling is stale';
  else poll.ok = true;
  const ok = postgres.ok && redis.ok && poll.ok;
  return { status: ok ? 'ready' : 'unready', checks: { postgres, redis, poll } };
}
