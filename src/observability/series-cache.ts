import { seriesName } from './prometheus.js';

/** Bounds the cache however many label values appear (they are bounded, but not by us alone). */
const MAX_CACHED = 1000;

const cache = new Map<string, string>();

/**
 * seriesName, remembered: a request counts the same few series over and over, and building a name
 * (label escaping, joins) cost more than the rest of its counting.
 */
export function cachedSeriesName(name: string, labels: Record<string, string>): string {
  // Length-prefixed, so no label value can make two label sets share a key.
  let key = name;
  for (const k in labels) key += `|${k.length}:${k}${labels[k]!.length}:${labels[k]}`;
  let series = cache.get(key);
  if (series === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    series = seriesName(name, labels);
    cache.set(key, series);
  }
  return series;
}
