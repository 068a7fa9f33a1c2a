import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AdminClient } from './client.js';
import { usageError } from './errors.js';
import type { Output } from './output.js';

/** One CLI command: its words (`servers add`), usage line, options, and what it does. */

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Invocation {
  client: AdminClient;
  out: Output;
  args: string[];
  values: Values;
  /** Reads a whole file, or standard input for `-`. */
  readInput(file: string): Promise<string>;
  /** The balancer's base URL as given; the environment (for settings like SCALEFLARE_SECRET). */
  url: string;
  env: Record<string, string | undefined>;
  /** Whether an admin token was given (only commands with `tokenOptional` run without one). */
  hasToken: boolean;
}

export interface Command {
  words: string[];
  /** Arguments after the words, e.g. `<url> --secret <secret>`. */
  usage: string;
  summary: string;
  options?: Options;
  /** How many positional arguments it takes. */
  args: [min: number, max: number];
  /** Runs without the admin token (check: its admin API steps are then left out). */
  tokenOptional?: boolean;
  /** Runs on this machine without the balancer's URL or token (preflight, before a deployment exists). */
  local?: boolean;
  run(inv: Invocation): Promise<void>;
}

/** Options every command takes. */
export const globalOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies Options;

/** Parses what follows the command's words; wrong options or argument counts are usage errors. */
export function parseCommandLine(cmd: Command, argv: string[]): { args: string[]; values: Values } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...globalOptions, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(`${(e as Error).message}\nUsage: scaleflare ${cmd.words.join(' ')} ${cmd.usage}`);
  }
  const [min, max] = cmd.args;
  const args = parsed.positionals;
  if (!parsed.values.help && (args.length < min || args.length > max)) {
    throw usageError(`Wrong number of arguments.\nUsage: scaleflare ${cmd.words.join(' ')} ${cmd.usage}`);
  }
  return { args, values: parsed.values as Values };
}

/** A string option, or undefined. */
export const str = (v: Values, name: string): string | undefined => (typeof v[name] === 'string' ? (v[name] as string) : undefined);

/** A number option that must be positive. */
export function positive(v: Values, name: string): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--${name} must be a positive number, got ${JSON.stringify(s)}`);
  return n;
}

/** A value out of a fixed list. */
export function oneOf<T extends string>(v: Values, name: string, allowed: readonly T[]): T | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw usageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(s)}`);
  return s as T;
}

/** A secret given as `-` is read from standard input, so it stays out of shell history and `ps`. */
export async function secretValue(inv: Invocation, value: string): Promise<string> {
  const secret = value === '-' ? (await inv.readInput('-')).trim() : value;
  if (!secret) throw usageError('The secret is empty');
  return secret;
}
