import type { Overview } from './answers.js';
import { el, svg } from './dom.js';

/** The last 24 hours as small line charts: inline SVG, no library. */

export interface Point {
  at: string;
  v: number | null;
}

/** Counters are running totals: each point is the difference from the sample before (none after a reset or a gap in data). */
export function deltas<P extends { at: string }>(points: P[], f: (p: P) => number | null): Point[] {
  return points.map((p, i) => {
    const a = i > 0 ? f(points[i - 1]!) : null;
    const b = f(p);
    return { at: p.at, v: a === null || b === null || b < a ? null : b - a };
  });
}

export const series = <P extends { at: string }>(points: P[], f: (p: P) => number | null): Point[] => points.map((p) => ({ at: p.at, v: f(p) }));

const W = 300;
const H = 90;
const DAY = 86400000;
const GAP = 11 * 60000;

/** `now` is when the board was read: the chart ends there. */
export function chart(now: number, title: string, points: Point[], unit?: string): HTMLElement {
  const values = points.filter((p): p is { at: string; v: number } => p.v !== null && p.v !== undefined);
  const max = Math.max(1, ...values.map((p) => p.v));
  const x = (at: string) => ((Date.parse(at) - (now - DAY)) / DAY) * W;
  const y = (v: number) => H - (v / max) * (H - 4);
  // A line per run of samples; a missing sample breaks it.
  const runs: string[][] = [];
  let run: string[] = [];
  let prev = 0;
  for (const p of points) {
    const t = Date.parse(p.at);
    if (p.v === null || p.v === undefined || (run.length && t - prev > GAP)) {
      if (run.length) runs.push(run);
      run = [];
    }
    if (p.v !== null && p.v !== undefined) run.push(x(p.at).toFixed(1) + ',' + y(p.v).toFixed(1));
    prev = t;
  }
  if (run.length) runs.push(run);
  const latest = values.length ? values[values.length - 1]! : null;
  const last = latest ? latest.v : null;
  const fmt = (v: number | null) => (v === null ? '—' : Math.round(v * 10) / 10 + (unit ? ' ' + unit : ''));
  const label = title + ': latest ' + fmt(last) + ', highest ' + (values.length ? fmt(max) : '—') + ' in the last 24 h';
  return el(
    'figure',
    { class: 'chart' },
    // The latest sample says when it was taken: it may be older than the tables above, read just now.
    el(
      'figcaption',
      {},
      el('span', {}, title),
      el(
        'span',
        { class: 'latest' },
        fmt(last),
        latest ? el('small', { class: 'muted' }, ' at ' + new Date(latest.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })) : null,
      ),
    ),
    svg(
      'svg',
      { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
      svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }),
      ...runs.map((r) =>
        r.length === 1 ? svg('circle', { cx: r[0]!.split(',')[0]!, cy: r[0]!.split(',')[1]!, r: 1.5, class: 'dot' }) : svg('polyline', { points: r.join(' '), class: 'line' }),
      ),
    ),
    el('div', { class: 'scale muted' }, el('span', {}, '24 h ago'), el('span', {}, 'max ' + (values.length ? fmt(max) : '—')), el('span', {}, 'now')),
  );
}

export function poolCharts(o: Overview): HTMLElement[] {
  const now = Date.parse(o.readAt);
  const h = o.history;
  const imports = deltas(h, (p) => p.importsTotal);
  const delay = deltas(h, (p) => p.importDelaySecondsTotal).map((d, i) => ({ at: d.at, v: d.v === null || !imports[i]!.v ? null : d.v / imports[i]!.v }));
  return [
    chart(now, 'Meetings', series(h, (p) => p.meetings)),
    chart(now, 'Participants', series(h, (p) => p.participants)),
    chart(now, 'Highest server load', series(h, (p) => p.maxLoad)),
    chart(now, 'Poll duration', series(h, (p) => p.pollMs), 'ms'),
    chart(now, 'Failed server polls', deltas(h, (p) => p.pollFailuresTotal)),
    chart(now, 'API errors', deltas(h, (p) => p.apiErrorsTotal)),
    chart(now, 'Join failures', deltas(h, (p) => p.joinFailuresTotal)),
    chart(now, 'Import delay', delay, 's'),
  ];
}
