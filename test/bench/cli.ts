/** What the small bench entry points (bench:poll, bench:storm) share: flags and the way they exit. */

/** `--name value` from the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** Runs the bench and exits with its code; a failure prints its stack and exits 1. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`${name} failed: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
