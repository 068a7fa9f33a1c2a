import { digestHex } from '../../crypto.js';
import type { Redis } from '../redis.js';

/**
 * A Lua script as Upstash's ratelimit-js runs them: every key it knows before running in KEYS,
 * one JSON argument (ARGV[1], typed by `Arg`), sent by its SHA-1 so a call carries the hash, not
 * the body. `Arg` and `Result` only type the calls; the body decodes the argument itself. Large
 * JSON the script stores as it is (poll snapshots) follows as `payloads` (ARGV[2], …), so it is
 * not escaped once more inside the argument.
 */
export class Script<Arg, Result> {
  private digest?: Promise<string>;

  constructor(readonly body: string) {}

  /** Hex SHA-1 of the body, as Redis names it; computed once per isolate. */
  sha(): Promise<string> {
    return (this.digest ??= digestHex('SHA-1', this.body));
  }
}

/** Decodes the JSON argument; every script body starts with it. */
export const ARG = `local arg = cjson.decode(ARGV[1])\n`;

/**
 * Runs a script by EVALSHA; a Redis that does not have it yet (first use, restart, SCRIPT FLUSH)
 * answers NOSCRIPT, and then, only then, the body goes by EVAL, which also caches it there.
 */
export async function run<Arg, Result>(
  redis: Redis,
  script: Script<Arg, Result>,
  keys: string[],
  arg: Arg,
  payloads: string[] = [],
): Promise<Result> {
  const args = [JSON.stringify(arg), ...payloads];
  try {
    return (await redis.evalsha(await script.sha(), keys, args)) as Result;
  } catch (e) {
    if (!(e instanceof Error) || !e.message.includes('NOSCRIPT')) throw e;
    return (await redis.eval(script.body, keys, args)) as Result;
  }
}

