/** The command line of `npm run bench`: options, their defaults and limits, and --help. */
import { ROUTE_INFO, ROUTES, type ChecksumAlg, type RouteName } from './requests';

export interface Options {
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  meetings: number;
  nodes: number;
  loadgen: 'child' | 'inline';
  routes: RouteName[];
  checksum: ChecksumAlg;
  keep: boolean;
  /** workerd on a CPU of its own, the rest of the bench on the others (Linux, taskset). */
  pin: boolean;
  /** Instead of the rounds: a CPU profile of the Worker under this call's load (inspector on). */
  profile?: RouteName;
  /** Every call at this many requests per second (all connections together); unset: as fast as it answers. */
  rate?: number;
  /** `--quick`: the two ceilings and join, short windows, for a check in passing. */
  quick: boolean;
}

/** `--quick`: under a minute with setup; options given after it still win. */
const QUICK: Partial<Options> = { duration: 3, warmup: 1, rounds: 2, meetings: 40, routes: ['static', 'redis1', 'join'] };

const USAGE = `usage: npm run bench -- [options]
  --duration <s>      measured seconds per call and round (default 10)
  --warmup <s>        unmeasured seconds before each measurement (default 3)
  --rounds <n>        rounds over all calls, interleaved (default 2)
  --connections <n>   concurrent connections (default 32)
  --meetings <n>      meetings created before the run (default 200)
  --nodes <n>         simulated BBB nodes (default 5)
  --loadgen <where>   child (default: autocannon in a child process) or inline (in the bench process)
  --routes <list>     comma list of ${ROUTES.join(', ')}
                      (default: all but the diagnostics eval and evalsha; static and redis1 always run)
  --diagnose          add the diagnostics: join's LOOKUP script sent with EVAL and with EVALSHA
  --checksum <alg>    sha1 (default) or sha256 for the calls' checksums
  --rate <req/s>      every call at this fixed rate instead of as fast as it answers: Worker CPU per
                      call compared at the same load (on a busy machine, throughput is not)
  --pin               workerd on a CPU of its own, the rest of the bench on the others (Linux, taskset)
  --keep              keep the run directory under .local/bench
  --quick             the two ceilings and join, 2 rounds of 1 s + 3 s, 40 meetings: under a minute,
                      to check a change to the hot path in passing (later options still apply)
  --profile <call>    instead of the table: a CPU profile of the Worker while <call> is under load
                      (inspector on, so throughput is lower; proportions only); saved as .cpuprofile`;

export function parseOptions(argv: string[]): Options {
  const o: Options = {
    duration: 10,
    warmup: 3,
    rounds: 2,
    connections: 32,
    meetings: 200,
    nodes: 5,
    loadgen: 'child',
    routes: ROUTES.filter((r) => !ROUTE_INFO[r].diagnostic),
    checksum: 'sha1',
    keep: false,
    pin: false,
    quick: false,
  };
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number between ${min} and ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--duration': o.duration = num('duration', value(), 1, 120); break;
      case '--warmup': o.warmup = num('warmup', value(), 0, 60); break;
      case '--rounds': o.rounds = Math.round(num('rounds', value(), 1, 10)); break;
      case '--connections': o.connections = Math.round(num('connections', value(), 1, 1024)); break;
      case '--meetings': o.meetings = Math.round(num('meetings', value(), 1, 10_000)); break;
      case '--nodes': o.nodes = Math.round(num('nodes', value(), 1, 100)); break;
      case '--loadgen': {
        const v = value();
        if (v !== 'child' && v !== 'inline') fail('--loadgen must be child or inline');
        o.loadgen = v;
        break;
      }
      case '--routes': {
        const list = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = list.filter((r) => !(ROUTES as readonly string[]).includes(r));
        if (unknown.length || !list.length) fail(`--routes: unknown ${unknown.join(', ') || '(empty)'}; known: ${ROUTES.join(', ')}`);
        // The ceilings are what every ratio is computed against: always measured.
        o.routes = ROUTES.filter((r) => r === 'static' || r === 'redis1' || list.includes(r));
        break;
      }
      case '--checksum': {
        const v = value();
        if (v !== 'sha1' && v !== 'sha256') fail('--checksum must be sha1 or sha256');
        o.checksum = v;
        break;
      }
      case '--quick': Object.assign(o, QUICK, { quick: true }); break;
      case '--rate': o.rate = Math.round(num('rate', value(), 1, 100_000)); break;
      case '--keep': o.keep = true; break;
      case '--pin': o.pin = true; break;
      case '--diagnose': o.routes = ROUTES.filter((r) => o.routes.includes(r) || ROUTE_INFO[r].diagnostic); break;
      case '--profile': {
        const v = value() ?? '';
        if (!(ROUTES as readonly string[]).includes(v)) fail(`--profile: unknown call ${v}; known: ${ROUTES.join(', ')}`);
        o.profile = v as RouteName;
        break;
      }
      case '--help': case '-h': console.log(USAGE); process.exit(0);
      default: fail(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return o;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}
