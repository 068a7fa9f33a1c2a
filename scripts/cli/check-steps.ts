/**
 * The acceptance check's steps: each passes with a line of detail, is skipped with a reason, or
 * fails with the reason. After a failure only the steps marked `always` (clean-up) still run.
 */

export interface Step {
  name: string;
  /** Runs even after an earlier step failed (ending the test meetings). */
  always?: boolean;
  run(): Promise<string | { skipped: string }>;
}

export interface StepReport {
  failed: number;
  lines: string[];
}

export async function runSteps(steps: Step[], write: (line: string) => void): Promise<StepReport> {
  let failed = 0;
  let passed = 0;
  let skipped = 0;
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    write(`${line}\n`);
  };
  for (const step of steps) {
    if (failed && !step.always) {
      skipped++;
      say(`SKIP  ${step.name}: an earlier step failed`);
      continue;
    }
    try {
      const r = await step.run();
      if (typeof r === 'string') {
        passed++;
        say(`PASS  ${step.name}: ${r}`);
      } else {
        skipped++;
        say(`SKIP  ${step.name}: ${r.skipped}`);
      }
    } catch (e) {
      failed++;
      say(`FAIL  ${step.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  say(`${failed ? 'FAILED' : 'PASSED'}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return { failed, lines };
}
