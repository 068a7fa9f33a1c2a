/** The report: the tables printed at the end of a run, and the same figures in a JSON results file. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { f0, f1, f2, f3, table } from './format';
import { log } from './log';
import type { Options } from './options';
import { ROOT } from './paths';
import { ROUTE_INFO } from './requests';
import { summarize, type RouteSummary, type Sample } from './summary';

/** Prints the report and writes the results file; the exit code: 1 if any call had errors. */
export function publish(samples: Sample[], o: Options, run: { pinning: string; workerOutputLines: number; resultsFile: string }): number {
  const summaries = summarize(samples, o.routes, o.rounds);
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    code: codeVersion(),
    pinning: run.pinning,
    machine: `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.type()} ${os.release()}, Node ${process.version}`,
  };
  const text = report(summaries, o, meta);
  console.log(`\n${text}\n`);
  if (run.workerOutputLines > 0) console.log(`The Worker wrote ${run.workerOutputLines} line(s) of output during the run.`);
  writeFileSync(
    run.resultsFile,
    JSON.stringify(
      { meta, options: o, summaries: summaries.map(({ tally, ...s }) => ({ ...s, tally: { ...tally } })), workerOutputLines: run.workerOutputLines },
      null,
      2,
    ),
  );
  log(`results written to ${path.relative(ROOT, run.resultsFile)}`);
  return summaries.some((s) => s.errors > 0) ? 1 : 0;
}

function report(summaries: RouteSummary[], o: Options, meta: Record<string, string>): string {
  const out: string[] = [];
  out.push(`Scaleflare bench, ${meta.date}: ${meta.machine}; ${o.connections} connections, ${o.rounds} round(s) of ${o.duration} s per call after ${o.warmup} s warm-up; ${o.rate ? `every call at a fixed ${o.rate} req/s` : 'as fast as the Worker answers'}; load generator ${o.loadgen === 'child' ? 'in a child process' : 'in the bench process'}; checksums ${o.checksum}; ${meta.pinning}; code ${meta.code}.`);
  out.push('');
  out.push(
    table(
      ['call', 'req/s', 'p50 ms', 'p99 ms', '÷ static', '÷ 1-GET', 'Worker CPU ms/call', 'CPU ÷ 1-GET', 'Redis RT/call', 'PG RT/call', 'node calls/call', 'errors'],
      summaries.map((s) => [
        ROUTE_INFO[s.route].label,
        f0(s.rps),
        f1(s.p50),
        f1(s.p99),
        f2(s.ratioStatic),
        f2(s.ratioRedis1),
        f3(s.workerMs),
        f2(s.cpuRatioRedis1),
        f2(s.redisPerCall),
        f2(s.postgresPerCall),
        f2(s.nodeCallsPerCall),
        `${s.errors} / ${s.responses.toLocaleString('en-US')}`,
      ]),
    ),
  );
  out.push('');
  out.push(
    'Per round: req/s (÷ the one-GET ceiling of the same round); Worker CPU ms/call (÷ the one-GET ceiling\'s of the same round); ' +
      '[CPU other processes on the machine used meanwhile, in cores]:',
  );
  out.push('');
  out.push(
    table(
      ['call', ...Array.from({ length: o.rounds }, (_, i) => `round ${i + 1}`)],
      summaries.map((s) => [
        ROUTE_INFO[s.route].label,
        ...s.rpsByRound.map(
          (v, i) =>
            `${f0(v)} (${f2(s.ratioRedis1ByRound[i]!)}); ${f3(s.workerMsByRound[i]!)} (${f2(s.cpuRatioRedis1ByRound[i]!)}) [${f2(s.foreignCoresByRound[i]!)}]`,
        ),
      ]),
    ),
  );
  const busiest = Math.max(...summaries.flatMap((s) => s.foreignCoresByRound.filter(Number.isFinite)));
  if (busiest > 0.1) {
    out.push('');
    out.push(`WARNING: other processes used up to ${f2(busiest)} cores during a measurement: this machine was not quiet, so figures and ratios are skewed. Run again when it is idle.`);
  }
  out.push('');
  const groups = ['workerd', 'bench node', ...(o.loadgen === 'child' ? ['loadgen'] : []), 'redis-server', 'postgres'];
  out.push(`CPU ms per call, by process (bench node = bridges + simulator${o.loadgen === 'inline' ? ' + load generator' : ''}):`);
  out.push('');
  out.push(
    table(
      ['call', ...groups, 'total'],
      summaries.map((s) => [
        ROUTE_INFO[s.route].label,
        ...groups.map((g) => f2(s.cpuMsPerCall[g] ?? 0)),
        f2(Object.values(s.cpuMsPerCall).reduce((a, b) => a + b, 0)),
      ]),
    ),
  );
  const nodeCalls = summaries.filter((s) => Object.keys(s.nodeCallsByName).length);
  if (nodeCalls.length) {
    out.push('');
    out.push('Node calls per call, by BBB call: ' + nodeCalls.map((s) => `${s.route}: ${Object.entries(s.nodeCallsByName).map(([k, v]) => `${k} ${f2(v)}`).join(', ')}`).join('; '));
  }
  const bad = summaries.filter((s) => s.errors > 0);
  out.push('');
  if (bad.length === 0) out.push('Errors: none (every answer was the expected 302 or SUCCESS).');
  else {
    out.push('ERRORS (these numbers are not a benchmark of the calls until fixed):');
    for (const s of bad) {
      out.push(`  ${s.route}: ${s.errors} of ${s.responses}: status ${JSON.stringify(s.tally.badStatus)}, FAILED ${JSON.stringify(s.tally.failed)}, unexpected ${JSON.stringify(s.tally.unexpected)}, socket errors ${s.socketErrors}, timeouts ${s.timeouts}`);
      for (const sample of s.tally.samples) out.push(`    e.g. ${sample}`);
    }
  }
  return out.join('\n');
}

/** The commit measured, and whether the Worker's sources differ from it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'scheduled', 'wrangler.toml', 'package-lock.json') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes to the Worker' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}
