import { seriesName, type Sample } from './prometheus.js';
import { cachedSeriesName } from './series-cache.js';

/**
 * Histograms kept as counters, so they batch and sum across isolates like the rest: an
 * observation adds 1 to the series of the one bucket it falls in (`_bucket` with its `le`, not
 * cumulative) and its milliseconds to `_sum_ms`. The exposition makes the buckets cumulative,
 * adds `+Inf` and `_count`, and turns the sum into seconds.
 */

export interface HistogramSpec {
  /** Upper bounds in seconds, ascending. */
  buckets: readonly number[];
}

const INF = '+Inf';

/** The stored series an observation of `seconds` adds to: its bucket (by 1) and its sum (by the milliseconds). */
export function observation(name: string, spec: HistogramSpec, labels: Record<string, string>, seconds: number): [string, number][] {
  return [
    // Object.assign, not a spread: V8 builds a spread of a variable object several times slower, per request.
    [cachedSeriesName(`${name}_bucket`, Object.assign({}, labels, { le: bucketLabel(spec, seconds) })), 1],
    [cachedSeriesName(`${name}_sum_ms`, labels), Math.max(0, Math.round(seconds * 1000))],
  ];
}

// Each spec's bounds as label values, formatted once (numbers to strings are not free on every request).
const boundLabels = new WeakMap<HistogramSpec, string[]>();

/** The `le` of the one bucket `seconds` falls in. */
function bucketLabel(spec: HistogramSpec, seconds: number): string {
  let labels = boundLabels.get(spec);
  if (!labels) boundLabels.set(spec, (labels = spec.buckets.map(String)));
  const i = spec.buckets.findIndex((b) => seconds <= b);
  return i < 0 ? INF : labels[i]!;
}

/**
 * The exposition's samples from the stored series of one histogram (parsed: name and labels),
 * grouped by their labels without `le`.
 */
export function histogramSamples(name: string, spec: HistogramSpec, stored: { name: string; labels: Record<string, string>; value: number }[]): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; counts: Map<string, number>; sumMs: number }>();
  const group = (labels: Record<string, string>) => {
    const key = seriesName('', labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, counts: new Map(), sumMs: 0 }));
    return g;
  };
  for (const s of stored) {
    if (s.name === `${name}_bucket`) {
      const { le = INF, ...labels } = s.labels;
      const g = group(labels);
      g.counts.set(le, (g.counts.get(le) ?? 0) + s.value);
    } else if (s.name === `${name}_sum_ms`) group(s.labels).sumMs += s.value;
  }
  return [...groups.values()].flatMap((g) => {
    let running = 0;
    const buckets = [...spec.buckets.map(String), INF].map((le): Sample => {
      running += g.counts.get(le) ?? 0;
      return { suffix: '_bucket', labels: { ...g.labels, le }, value: running };
    });
    return [...buckets, { suffix: '_sum', labels: g.labels, value: g.sumMs / 1000 }, { suffix: '_count', labels: g.labels, value: running }];
  });
}
