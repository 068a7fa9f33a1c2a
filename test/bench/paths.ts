/** Where the bench runs (the repository) and where it writes: .local/bench, a directory per run. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

export interface RunPaths {
  stamp: string;
  /** .local/bench: results, profiles, and the run directories. */
  benchRoot: string;
  /** This run's directory: bundle, logs, Postgres and Redis data; removed at the end unless --keep. */
  dir: string;
}

export function runPaths(): RunPaths {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const benchRoot = path.join(ROOT, '.local', 'bench');
  const dir = path.join(benchRoot, `run-${stamp}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return { stamp, benchRoot, dir };
}
