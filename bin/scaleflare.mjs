#!/usr/bin/env node
// The `scaleflare` CLI (docs/cli.md). Its source is TypeScript (scripts/cli); in this checkout it is
// bundled by esbuild (a dev dependency) into node_modules/.cache/scaleflare/cli.mjs, again whenever a
// source is newer (scripts/cli and the files of src/ it imports), so every run starts as plain
// JavaScript: ~0.1 s of CPU instead of tsx's ~0.4 s.
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const sources = path.join(root, 'scripts', 'cli');
const bundle = path.join(root, 'node_modules', '.cache', 'scaleflare', 'cli.mjs');
// The bundle's inputs outside scripts/cli (src/config.ts, …), as esbuild's metafile listed them.
const inputsFile = `${bundle}.inputs.json`;

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

const inputs = () => {
  try {
    return JSON.parse(readFileSync(inputsFile, 'utf8')).map((f) => path.join(root, f));
  } catch {
    return [];
  }
};

if (mtime(bundle) < Math.max(mtime(self), ...readdirSync(sources).map((f) => path.join(sources, f)).concat(inputs()).map(mtime))) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('scaleflare: esbuild is missing; run `npm install` in the Scaleflare checkout first\n');
    process.exit(1);
  }
  // Runs started together each build their own file; the rename makes the last one win whole.
  const tmp = `${bundle}.${process.pid}.tmp`;
  mkdirSync(path.dirname(bundle), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(sources, 'main.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    metafile: true,
    absWorkingDir: root,
  });
  writeFileSync(inputsFile, JSON.stringify(Object.keys(result.metafile.inputs)));
  renameSync(tmp, bundle);
}

const { run } = await import(pathToFileURL(bundle).href);
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
