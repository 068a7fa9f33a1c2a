/**
 * The monitoring pack (monitoring/): every alert has a severity, a runbook section and a promtool
 * test, and those tests pass; the scrape configuration is valid; the alerts and the Grafana
 * dashboard name only metrics the Worker serves. Without promtool (Debian's `prometheus` package)
 * the promtool part is skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRICS } from '../../src/observability/catalogue';

const DIR = path.resolve('monitoring');
const read = (file: string) => readFileSync(path.join(DIR, file), 'utf8');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) console.warn('promtool is absent (apt-get install prometheus): the promtool rule tests are skipped');

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = parse(read('alerts.yml')).groups.flatMap((g: { rules: Rule[] }) => g.rules);

/** Metric names an expression uses, a histogram's series taken back to its family. */
const metricsIn = (text: string) => [...text.matchAll(/\bscaleflare_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });

describe('monitoring pack', () => {
  it('every alert has a severity, a summary and a runbook link to a section that exists, and a promtool test', () => {
    const runbook = read('runbook.md');
    const anchors = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));
    const tests = read('alerts.test.yml');
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const r of rules) {
      expect(r.labels?.severity, r.alert).toMatch(/^(critical|warning|info)$/);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.runbook_url, r.alert).toBe(`monitoring/runbook.md#${r.alert.toLowerCase()}`);
      expect(anchors.has(r.alert.toLowerCase()), `runbook section for ${r.alert}`).toBe(true);
      expect(tests, `a test of ${r.alert}`).toContain(`alertname: ${r.alert}\n`);
    }
  });

  it('the alerts and the dashboard name only metrics /metrics serves', () => {
    const dashboard = read('grafana-dashboard.json');
    const panels = JSON.parse(dashboard).panels as { type: string; targets?: { expr: string }[] }[];
    expect(panels.filter((p) => p.type !== 'row').every((p) => p.targets?.length)).toBe(true);
    const used = new Set([...rules.flatMap((r) => metricsIn(r.expr)), ...metricsIn(dashboard)]);
    expect([...used].filter((m) => !(m in METRICS))).toEqual([]);
    // The outcomes of issue 12 are each on the dashboard.
    for (const m of ['scaleflare_http_request_duration_seconds', 'scaleflare_pool_headroom', 'scaleflare_recording_import_delay_seconds', 'scaleflare_callbacks_pending']) {
      expect(used.has(m), m).toBe(true);
    }
  });

  it.skipIf(!hasPromtool)('promtool: the rule tests pass and the scrape configuration is valid', () => {
    const test = promtool('test', 'rules', 'alerts.test.yml');
    expect(test.status, test.stdout + test.stderr).toBe(0);
    const config = promtool('check', 'config', '--syntax-only', 'prometheus.yml');
    expect(config.status, config.stdout + config.stderr).toBe(0);
  });
});
