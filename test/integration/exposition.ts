import { expect } from 'vitest';

export type Exposition = ReturnType<typeof parseExposition>;

/** A minimal Prometheus text parser: families with HELP and TYPE, and their samples (a histogram's with a `sample` label naming its suffix). */
export function parseExposition(text: string): Map<string, { type: string; help: string; samples: { labels: Record<string, string>; value: number }[] }> {
  const families = new Map<string, { type: string; help: string; samples: { labels: Record<string, string>; value: number }[] }>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const f = families.get(meta[2]!) ?? { type: '', help: '', samples: [] };
      if (meta[1] === 'HELP') f.help = meta[3]!;
      else f.type = meta[3]!;
      families.set(meta[2]!, f);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(sample, line).not.toBeNull();
    // A histogram's samples carry a suffix after the family's name.
    const f = families.get(sample![1]!) ?? families.get(sample![1]!.replace(/_(bucket|sum|count)$/, ''));
    expect(f?.type, `TYPE before ${line}`).toMatch(/^(counter|gauge|histogram)$/);
    const labels: Record<string, string> = {};
    for (const m of (sample![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const value = Number(sample![3]);
    expect(Number.isNaN(value) && sample![3] !== 'NaN', line).toBe(false);
    f!.samples.push({ labels: f!.type === 'histogram' ? { ...labels, sample: sample![1]! } : labels, value });
  }
  for (const [name, f] of families) {
    expect(name).toMatch(/^scaleflare_[a-z_]+$/);
    expect(f.help.length).toBeGreaterThan(0);
    if (f.type === 'counter') expect(name).toMatch(/_total$/);
  }
  return families;
}

/** The value of the first sample of a family whose labels include these. */
export const value = (families: Exposition, name: string, labels: Record<string, string> = {}) =>
  families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
