import { describe, expect, it } from 'vitest';
import { seriesName } from '../../../src/observability/prometheus.js';
import { cachedSeriesName } from '../../../src/observability/series-cache.js';

describe('cached series names', () => {
  it('are the series names, label order and escaping included, on a first and a repeated call', () => {
    const cases: [string, Record<string, string>][] = [
      ['c_total', {}],
      ['c_total', { call: 'join', result: 'SUCCESS' }],
      ['c_total', { result: 'SUCCESS', call: 'join' }],
      ['h_bucket', { call: 'create', le: '0.005' }],
      ['c_total', { odd: 'a"b\\c\nd' }],
      // Label values that contain the key's separator cannot make two series share a name.
      ['c_total', { a: 'x\u0000b\u0000y' }],
      ['c_total', { a: 'x', b: 'y' }],
    ];
    for (const [name, labels] of cases) {
      expect(cachedSeriesName(name, labels)).toBe(seriesName(name, labels));
      expect(cachedSeriesName(name, labels)).toBe(seriesName(name, labels));
    }
  });

  it('stays right past its size bound', () => {
    for (let i = 0; i < 2500; i++) expect(cachedSeriesName('c_total', { server: `s${i}` })).toBe(`c_total{server="s${i}"}`);
  });
});
