import { readFileSync } from 'node:fs';
import { callbackCommands } from './callbacks.js';
import { checkCommand } from './check.js';
import { adminClient, type AdminClient } from './client.js';
import { parseCommandLine, str, type Command } from './command.js';
import { configCommands } from './config.js';
import { CliError, EXIT_USAGE, usageError } from './errors.js';
import { meetingCommands } from './meetings.js';
import { preflightCommand } from './preflight.js';
import { recordingCommands } from './recordings.js';
import { drainCommand } from './server-drain.js';
import { replaceServerCommand } from './server-replace.js';
import { serverShowCommand } from './server-show.js';
import { serverCommands } from './servers.js';
import { statusCommand } from './status.js';
import { syncCommand } from './sync.js';
import { tenantCommands } from './tenants.js';
import { usageCommand } from './usage.js';

/** `scaleflare`: the operator's CLI over the JSON admin API of any deployment (docs/cli.md). */

const commands: Command[] = [statusCommand, ...serverCommands, drainCommand, replaceServerCommand, serverShowCommand, ...tenantCommands, ...meetingCommands, ...recordingCommands, ...callbackCommands, usageCommand, ...configCommands, syncCommand, checkCommand, preflightCommand];

const GLOBAL_HELP = `Options of every command:
  --url <url>      the balancer's base URL (or SCALEFLARE_URL)
  --token <token>  an ADMIN_TOKEN of the balancer (or SCALEFLARE_TOKEN, which keeps it out of shell history)
  --json           print the admin API's JSON answer
  -h, --help       this help`;

function help(): string {
  const lines = commands.map((c) => `  scaleflare ${[...c.words, c.usage].join(' ').trim()}\n      ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n\n${GLOBAL_HELP}\n\nExit codes: 0 done, 1 the call failed, 2 usage error. See docs/cli.md.\n`;
}

/** The command whose words start the argument list, the longest match first (`tenants secrets add`). */
function findCommand(argv: string[]): Command | undefined {
  return commands
    .filter((c) => c.words.every((w, i) => argv[i] === w))
    .sort((a, b) => b.words.length - a.words.length)[0];
}

const readInput = async (file: string) => {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CliError(`Cannot read ${file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
};

/** What a local command gets instead of the admin API: it never calls the balancer. */
const noBalancer: AdminClient = { origin: '', call: () => Promise.reject(new CliError('This command does not call the balancer')) };

export interface Io {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs one command line; answers the exit code. Errors are one clear message, never a stack trace. */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    // Asked for, the help is the answer; without any command it explains a usage error.
    if (argv.length === 0) {
      io.stderr(help());
      return EXIT_USAGE;
    }
    if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.stdout(help());
      return 0;
    }
    const cmd = findCommand(argv);
    if (!cmd) throw usageError(`Unknown command: ${argv.filter((a) => !a.startsWith('-')).slice(0, 3).join(' ')}\nRun scaleflare --help for the list.`);
    const { args, values } = parseCommandLine(cmd, argv.slice(cmd.words.length));
    if (values.help) {
      io.stdout(`Usage: scaleflare ${cmd.words.join(' ')} ${cmd.usage}\n  ${cmd.summary}\n\n${GLOBAL_HELP}\n`);
      return 0;
    }
    const url = str(values, 'url') ?? io.env.SCALEFLARE_URL;
    const token = str(values, 'token') ?? io.env.SCALEFLARE_TOKEN;
    if (!url && !cmd.local) throw usageError('Missing the balancer URL: --url <url> or SCALEFLARE_URL');
    if (!token && !cmd.tokenOptional && !cmd.local) throw usageError('Missing the admin token: --token <token> or SCALEFLARE_TOKEN');
    const out = { json: values.json === true, write: io.stdout };
    await cmd.run({ client: url ? adminClient(url, token ?? '') : noBalancer, out, args, values, readInput, url: url ?? '', env: io.env, hasToken: Boolean(token) });
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`scaleflare: ${e.message}\n`);
      return e.exitCode;
    }
    // A bug of the CLI itself: still one line, never the token (it is only ever in a header).
    io.stderr(`scaleflare: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
