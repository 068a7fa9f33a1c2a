import type { Services } from '../../services.js';
import { playbackState, type PlaybackState } from '../../store/recordings.js';

/**
 * The playback check's answer, kept a few seconds per isolate: the presentation player fetches
 * dozens of files per recording at once, and each would otherwise be a Postgres round trip.
 * The API's own publish/update/delete forget the entries of this isolate at once; other
 * isolates follow within STATE_TTL_MS, well inside the life of any URL already handed out.
 */

const STATE_TTL_MS = 5_000;
const MAX_ENTRIES = 2_000;

interface Entry {
  state: PlaybackState | undefined;
  at: number;
}

// Per isolate; keys are tenant-scoped, and an isolate serves one deployment's database.
const cache = new Map<string, Entry>();
const entryKey = (tenant: string, recordID: string, format: string) => `${tenant}\n${recordID}\n${format}`;

export async function cachedPlaybackState(svc: Services, tenant: string, recordID: string, format: string): Promise<PlaybackState | undefined> {
  const key = entryKey(tenant, recordID, format);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < STATE_TTL_MS) return hit.state;
  const state = await playbackState(svc.sql, tenant, recordID, format);
  cache.delete(key);
  cache.set(key, { state, at: Date.now() });
  // Oldest first in a Map's order.
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return state;
}

/** Drops this isolate's entries of these recordings (after publish, update or delete). */
export function forgetPlaybackState(tenant: string, recordIDs: readonly string[]): void {
  const prefixes = recordIDs.map((id) => entryKey(tenant, id, ''));
  for (const key of cache.keys()) if (prefixes.some((p) => key.startsWith(p))) cache.delete(key);
}
