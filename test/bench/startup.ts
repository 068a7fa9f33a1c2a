/**
 * `npm run bench:startup`: the Worker's size and startup CPU, the two figures Cloudflare limits
 * and bills at a cold start. The size is what `wrangler deploy --dry-run` reports for upload
 * (src/index.ts, wrangler.toml's minify); the startup CPU is `wrangler check startup`'s profile of
 * evaluating that same bundle, counted as its sampled time outside (idle), over several runs (one
 * profile has only ~40 samples): the median, and the minimum, the steadier figure on a busy machine
 * (other processes only ever add to a run).
 *
 *   npm run bench:startup -- [--runs 5] [--top 15] [--root <another checkout>]
 *
 * `measureStartup()` is what `npm run bench` calls to print the same figures beside its own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { logTail, runWrangler } from './bundle';
import { ROOT } from './paths';

export interface StartupFigures {
  /** KiB uploaded and their gzip, as wrangler reports them. */
  uploadKiB: number;
  gzipKiB: number;
  /** ms of CPU sampled while the bundle is evaluated, per run, their median and minimum. */
  startupMs: number[];
  medianStartupMs: number;
  minStartupMs: number;
  /** Where the median run's CPU went: self time (ms) by function, largest first. */
  top: Array<{ ms: number; fn: string }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const IDLE = '(idle)';

/** Sampled ms outside (idle), and self ms by function. */
export function readStartupProfile(profile: CpuProfile): { ms: number; self: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let micros = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === IDLE) return;
    const delta = profile.timeDeltas[i] ?? 0;
    micros += delta;
    const fn = `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber}:${frame.columnNumber}`;
    self.set(fn, (self.get(fn) ?? 0) + delta / 1000);
  });
  return { ms: micros / 1000, self };
}

/** `root`: a checkout to measure, this one by default (another one compares a release in the same run). */
export async function measureStartup(opts: { runs?: number; top?: number; root?: string } = {}): Promise<StartupFigures> {
  const runs = opts.runs ?? 5;
  const root = opts.root ?? ROOT;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scaleflare-startup-'));
  try {
    const workerBundle = path.join(dir, 'worker.bundle');
    const buildLog = path.join(dir, 'build.log');
    const code = await runWrangler(['deploy', '--dry-run', '--outfile', workerBundle], root, buildLog);
    const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(readFileSync(buildLog, 'utf8'));
    if (code !== 0 || !size) throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${logTail(buildLog)}`);

    const profiles: Array<ReturnType<typeof readStartupProfile>> = [];
    for (let i = 0; i < runs; i++) {
      const outfile = path.join(dir, `startup-${i}.cpuprofile`);
      const log = path.join(dir, `startup-${i}.log`);
      const exit = await runWrangler(['check', 'startup', '--worker', workerBundle, '--outfile', outfile], root, log);
      if (exit !== 0) throw new Error(`wrangler check startup failed (exit ${exit}):\n${logTail(log)}`);
      profiles.push(readStartupProfile(JSON.parse(readFileSync(outfile, 'utf8')) as CpuProfile));
    }
    const byMs = [...profiles].sort((a, b) => a.ms - b.ms);
    const median = byMs[Math.floor(byMs.length / 2)]!;
    return {
      uploadKiB: Number(size[1]),
      gzipKiB: Number(size[2]),
      startupMs: profiles.map((p) => Math.round(p.ms * 10) / 10),
      medianStartupMs: Math.round(median.ms * 10) / 10,
      minStartupMs: Math.round(byMs[0]!.ms * 10) / 10,
      top: [...median.self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, opts.top ?? 10)
        .map(([fn, ms]) => ({ ms: Math.round(ms * 100) / 100, fn })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line each for the bundle and the startup, as `npm run bench` prints them. */
export function formatStartup(f: StartupFigures): string[] {
  return [
    `bundle: ${f.uploadKiB.toFixed(1)} KiB, gzip ${f.gzipKiB.toFixed(1)} KiB`,
    `startup: ${f.medianStartupMs.toFixed(1)} ms CPU median, ${f.minStartupMs.toFixed(1)} min (runs: ${f.startupMs.join(', ')})`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, top: { type: 'string', default: '15' }, root: { type: 'string' } } });
  const figures = await measureStartup({ runs: Number(values.runs), top: Number(values.top), root: values.root });
  for (const line of formatStartup(figures)) console.log(line);
  console.log('median run, self time:');
  for (const { ms, fn } of figures.top) console.log(`  ${ms.toFixed(2).padStart(6)} ms  ${fn}`);
}
