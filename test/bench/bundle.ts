/** The Worker bundle exactly as `wrangler deploy` builds it, and the settings wrangler.toml gives it. */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './paths';

export interface WranglerToml {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

/** `compatibility_*` and the `[vars]` table of wrangler.toml (flat `KEY = "value"` lines only). */
export function readWranglerToml(file: string): WranglerToml {
  const text = readFileSync(file, 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1];
  if (!date) throw new Error(`${file}: no compatibility_date`);
  const vars: Record<string, string> = {};
  let inVars = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) inVars = trimmed === '[vars]';
    else if (inVars && trimmed && !trimmed.startsWith('#')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(trimmed);
      if (!m) throw new Error(`${file}: cannot read [vars] line: ${trimmed}`);
      vars[m[1]!] = JSON.parse(`"${m[2]!}"`) as string;
    }
  }
  return {
    compatibilityDate: date,
    compatibilityFlags: (flags ?? '').split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean),
    vars,
  };
}

/** Runs the project's wrangler in `cwd` with `args`, its output going to `logFile`; resolves to its exit code. */
export async function runWrangler(args: string[], cwd: string, logFile: string): Promise<number | null> {
  const require = createRequire(import.meta.url);
  const wranglerBin = path.join(path.dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [wranglerBin, ...args], {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  await new Promise((resolve) => out.end(resolve));
  return code;
}

/** The last lines of a wrangler log, for an error message. */
export function logTail(logFile: string): string {
  return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
}

/**
 * `wrangler deploy --dry-run`: the same bundle a deployment uploads, with test/bench/worker.ts as
 * entry; or, given a checkout of another release (the migrations compatibility test), that
 * checkout's own entry and wrangler.toml.
 */
export async function bundle(outdir: string, logFile: string, release: { root: string; entry: string } = { root: ROOT, entry: 'test/bench/worker.ts' }): Promise<string> {
  const code = await runWrangler(['deploy', release.entry, '--dry-run', '--outdir', outdir, '--config', 'wrangler.toml'], release.root, logFile);
  const file = path.join(outdir, `${path.basename(release.entry, '.ts')}.js`);
  if (code !== 0 || !existsSync(file)) throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${logTail(logFile)}`);
  return file;
}
