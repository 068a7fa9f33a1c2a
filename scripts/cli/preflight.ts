import { readFileSync } from 'node:fs';
import util from 'node:util';
import { SETTING_NAMES } from '../../src/settings.js';
import { str, type Command } from './command.js';
import { CliError } from './errors.js';
import { bindingProblems, migrationProblems, redisProblems, settingsProblems, type Deployment } from './preflight-checks.js';

/**
 * `scaleflare preflight`: a deployment checked before `wrangler deploy` (docs/upgrades.md). The
 * settings are wrangler.toml's [vars] as wrangler resolves them, with the secrets from `--env-file`
 * and the environment; the problems are printed one a line, by name, and exit 1.
 */

/** wrangler's own reader (exact pin): the same [vars], environments and defaults `wrangler deploy` sees. */
async function readDeployment(config: string, env: string | undefined): Promise<Deployment> {
  const wrangler = await import('wrangler');
  try {
    return wrangler.unstable_readConfig({ config, env }, { hideWarnings: true }) as unknown as Deployment;
  } catch {
    // Not wrangler's message: a TOML error quotes the line, which may hold a value.
    throw new CliError(`Cannot read ${config} as wrangler configuration; npx wrangler deploy --dry-run shows where`);
  }
}

function envFile(file: string): Record<string, string> {
  // Looked up, not imported by name: Node 20 before 20.12 lacks it, and every other command still runs there.
  if (!util.parseEnv) throw new CliError('--env-file needs Node 20.12 or newer; give the secrets in the environment instead');
  try {
    return util.parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (e) {
    throw new CliError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The values the Worker will get: [vars], then the secrets given here (file, then environment), by setting name only. */
function settingsOf(d: Deployment, file: Record<string, string>, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const v = env[name] ?? file[name] ?? d.vars[name];
    out[name] = v === undefined || v === null ? undefined : String(v);
  }
  return out;
}

export const preflightCommand: Command = {
  words: ['preflight'],
  usage: '[--config wrangler.toml] [--env <name>] [--env-file <file>] [--migrations <dir>]',
  summary: 'Check a deployment before wrangler deploy: settings and secrets, bindings, pending migrations, Upstash; names what is wrong, never a value',
  options: { config: { type: 'string' }, env: { type: 'string' }, 'env-file': { type: 'string' }, migrations: { type: 'string' } },
  args: [0, 0],
  local: true,
  run: async (inv) => {
    const deployment = await readDeployment(str(inv.values, 'config') ?? 'wrangler.toml', str(inv.values, 'env'));
    const file = str(inv.values, 'env-file');
    const s = settingsOf(deployment, file ? envFile(file) : {}, inv.env);
    const settings = settingsProblems(deployment, s);
    const faulty = (name: string) => !s[name]?.trim() || settings.some((p) => p.startsWith(`${name} `));
    const [migrations, redis] = await Promise.all([
      faulty('DATABASE_URL') ? [] : migrationProblems(s.DATABASE_URL!, str(inv.values, 'migrations') ?? 'migrations'),
      faulty('UPSTASH_REDIS_REST_URL') || faulty('UPSTASH_REDIS_REST_TOKEN') ? [] : redisProblems(s.UPSTASH_REDIS_REST_URL!, s.UPSTASH_REDIS_REST_TOKEN!),
    ]);
    const problems = [...settings, ...bindingProblems(deployment), ...migrations, ...redis];
    if (problems.length) {
      inv.out.write(problems.map((p) => `FAIL  ${p}\n`).join(''));
      throw new CliError(`preflight: ${problems.length} problem(s); fix them before wrangler deploy`);
    }
    inv.out.write('PASS  settings and secrets, bindings, migrations applied, Upstash answers PING\n');
  },
};
