/** The drill's steps, each timed and printed as it ends; the first failure stops the drill. */
import { DrillError } from './clients.js';

export interface StepRecord {
  name: string;
  ms: number;
}

export class Steps {
  readonly done: StepRecord[] = [];
  private readonly started = performance.now();

  /** Runs one step; `detail` says what it found, for the printed line. */
  async run<T>(name: string, step: () => Promise<T>, detail?: (result: T) => string): Promise<T> {
    const t0 = performance.now();
    let result: T;
    try {
      result = await step();
    } catch (e) {
      const message = e instanceof DrillError ? e.message : e instanceof Error ? `${e.message}` : String(e);
      console.log(`  FAIL  ${name}: ${message}`);
      throw new DrillFailed(name, message);
    }
    const ms = performance.now() - t0;
    this.done.push({ name, ms });
    const said = detail?.(result);
    console.log(`  ok    ${name.padEnd(66)} ${seconds(ms).padStart(8)}${said ? `  ${said}` : ''}`);
    return result;
  }

  /** Milliseconds of the named steps together. */
  total(...names: string[]): number {
    return this.done.filter((s) => names.includes(s.name)).reduce((sum, s) => sum + s.ms, 0);
  }

  elapsed(): number {
    return performance.now() - this.started;
  }
}

export class DrillFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function section(title: string): void {
  console.log(`\n${title}`);
}
