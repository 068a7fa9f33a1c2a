#!/usr/bin/env node
// The `scaleflare` CLI (docs/cli.md). It is TypeScript (scripts/cli), run through tsx from this
// checkout's node_modules: `npm install` in the checkout, then `npx scaleflare …`.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  process.stderr.write('scaleflare: tsx is missing; run `npm install` in the Scaleflare checkout first\n');
  process.exit(1);
}
register();
const { run } = await import('../scripts/cli/main.ts');
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
