import { describe, expect, it } from 'vitest';
import { histogramSamples, observation } from '../../../src/observability/histogram.js';
import { parseSeries, render } from '../../../src/observability/prometheus.js';

const spec = { buckets: [0.01, 0.1, 1] };
const H = 'h_seconds';

/** Observations summed as the Redis hash sums them, then parsed as the scrape parses them. */
function stored(observations: [Record<string, string>, number][]) {
  const totals = new Map<string, number>();
  for (const [labels, s] of observations) for (const [series, n] of observation(H, spec, labels, s)) totals.set(series, (totals.get(series) ?? 0) + n);
  return [...totals].map(([series, value]) => ({ ...parseSeries(series)!, value }));
}

describe('histograms kept as counters', () => {
  it('an observation adds 1 to its own bucket (bounds inclusive, +Inf past the last) and its milliseconds to the sum', () => {
    expect(observation(H, spec, { call: 'join' }, 0.01)).toEqual([
      ['h_seconds_bucket{call="join",le="0.01"}', 1],
      ['h_seconds_sum_ms{call="join"}', 10],
    ]);
    expect(observation(H, spec, {}, 5)[0]).toEqual(['h_seconds_bucket{le="+Inf"}', 1]);
  });

  it('the exposition is cumulative, per label set, with +Inf, _sum in seconds and _count', () => {
    const samples = histogramSamples(H, spec, stored([[{ call: 'join' }, 0.004], [{ call: 'join' }, 0.05], [{ call: 'join' }, 3], [{ call: 'create' }, 0.2]]));
    const text = render([{ name: H, type: 'histogram', help: 'h', samples }]);
    expect(text).toContain('# TYPE h_seconds histogram\n');
    for (const line of [
      'h_seconds_bucket{call="join",le="0.01"} 1',
      'h_seconds_bucket{call="join",le="0.1"} 2',
      'h_seconds_bucket{call="join",le="1"} 2',
      'h_seconds_bucket{call="join",le="+Inf"} 3',
      'h_seconds_sum{call="join"} 3.054',
      'h_seconds_count{call="join"} 3',
      'h_seconds_bucket{call="create",le="0.01"} 0',
      'h_seconds_count{call="create"} 1',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });
});
