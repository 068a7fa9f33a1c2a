/**
 * Stopping everything the bench started, last started first, exactly once: at the end of the run,
 * on Ctrl-C or SIGTERM, or from a watchdog when the run overstays its time budget.
 */
import { log } from './log';

export class Shutdown {
  private readonly steps: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  private signalled = false;
  private readonly watchdog: NodeJS.Timeout;

  /** `name` prefixes its messages and `stopped` is logged at the end (the recovery drill has its own). */
  constructor(
    budgetSec: number,
    private readonly name = 'bench',
    private readonly stopped: string | null = 'stopped: workerd, load generator, simulator, bridges, Redis and Postgres',
  ) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    // However it goes, the bench stops by itself.
    this.watchdog = setTimeout(() => {
      console.error(`${this.name}: still running after ${budgetSec + 90} s, giving up`);
      void this.run().finally(() => process.exit(1));
    }, (budgetSec + 90) * 1000);
    this.watchdog.unref();
  }

  /** A stop step, run in reverse order of registration; a failing step does not stop the others. */
  defer(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  /** The normal end: the steps, then the signal handlers and the watchdog go. */
  async close(): Promise<void> {
    await this.run();
    clearTimeout(this.watchdog);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  private run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const step of this.steps.reverse().splice(0)) await step().catch((e: Error) => console.error(`${this.name}: cleanup: ${e.message}`));
      if (this.stopped) log(this.stopped);
    })());
  }

  // Ctrl-C reaches every process of the terminal's group, and npm and tsx relay it once more:
  // only the first signal starts the cleanup, repeats must not kill the bench halfway through it.
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.signalled) return;
    this.signalled = true;
    console.error(`${this.name}: ${signal}, stopping`);
    void this.run().finally(() => process.exit(130));
  };
}
