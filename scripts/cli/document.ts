import { parse } from 'yaml';
import type { Invocation } from './command.js';
import { CliError } from './errors.js';

/** A JSON or YAML file (`-`: standard input); JSON is YAML, so one parser reads both. */
export async function readDocument(inv: Invocation, file: string): Promise<unknown> {
  const text = await inv.readInput(file);
  try {
    return parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${file}: not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
