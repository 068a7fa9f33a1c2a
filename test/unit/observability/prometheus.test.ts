import { describe, expect, it } from 'vitest';
import { METRICS, REQUEST_COUNTERS, family } from '../../../src/observability/catalogue.js';
import { parseSeries, render, seriesName } from '../../../src/observability/prometheus.js';

describe('Prometheus text rendering', () => {
  it('writes HELP and TYPE before the samples, one family after another, ending with a newline', () => {
    const text = render([
      { name: 'a_total', type: 'counter', help: 'As.', samples: [{ labels: { k: 'v' }, value: 3 }, { value: 1 }] },
      { name: 'b', type: 'gauge', help: 'Bs.', samples: [] },
    ]);
    expect(text).toBe('# HELP a_total As.\n# TYPE a_total counter\na_total{k="v"} 3\na_total 1\n# HELP b Bs.\n# TYPE b gauge\n');
  });

  it('escapes label values and help text; writes NaN and infinities as Prometheus does', () => {
    const text = render([{ name: 'x', type: 'gauge', help: 'back\\slash\nnewline', samples: [
      { labels: { v: 'q"uote\\back\nline' }, value: NaN },
      { value: Infinity },
      { value: -Infinity },
      { value: 0.25 },
    ] }]);
    expect(text.split('\n')).toEqual([
      '# HELP x back\\\\slash\\nnewline',
      '# TYPE x gauge',
      'x{v="q\\"uote\\\\back\\nline"} NaN',
      'x +Inf',
      'x -Inf',
      'x 0.25',
      '',
    ]);
  });

  it('reads back the series it wrote for plain label values, and refuses anything else', () => {
    const labels = { call: 'join', result: 'SUCCESS', server: 'bbb-1.example.com:443' };
    expect(parseSeries(seriesName('scaleflare_api_requests_total', labels))).toEqual({ name: 'scaleflare_api_requests_total', labels });
    expect(parseSeries('plain_total')).toEqual({ name: 'plain_total', labels: {} });
    for (const bad of ['x{a="b"', 'x{a=b}', '1x', 'x{a="b\\"c"}', 'x{a="b"} 1', '']) expect(parseSeries(bad), bad).toBeUndefined();
  });

  it('every metric in the catalogue follows the naming conventions', () => {
    for (const [name, m] of Object.entries(METRICS)) {
      expect(name).toMatch(/^scaleflare_[a-z_]+$/);
      expect(name.endsWith('_total')).toBe(m.type === 'counter');
      expect(m.help).toMatch(/\.$/);
    }
    for (const name of REQUEST_COUNTERS) expect(family(name, []).type).toBe('counter');
  });
});
