/**
 * Prometheus text exposition format 0.0.4: one HELP and one TYPE line per family, then its
 * samples. Pure: no storage, no clock.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** A histogram's `_bucket`, `_sum` or `_count`, appended to the family's name. */
  suffix?: string;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `name{a="1",b="2"}`, labels in the order given. */
export function seriesName(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
}

/**
 * The name and labels of a series written by seriesName, for label values without quotes or
 * backslashes (all our counters' values are); undefined for anything else.
 */
export function parseSeries(series: string): { name: string; labels: Record<string, string> } | undefined {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(series);
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of m[2] ? m[2].split(',') : []) {
    const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\]*)"$/.exec(pair);
    if (!l) return undefined;
    labels[l[1]!] = l[2]!;
  }
  return { name: m[1]!, labels };
}

export function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${seriesName(f.name + (s.suffix ?? ''), s.labels)} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}
