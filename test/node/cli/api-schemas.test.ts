/**
 * The admin API's schemas are what the CLI (and the dashboard's script) take their types from, so
 * they must stay free of Worker code: every module they reach is zod, src/ids.ts, the tenant
 * settings schema (itself zod only) or another of them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const SCHEMAS = 'src/admin/v1/schemas';
const ALLOWED = new Set(['src/ids.ts', 'src/tenant-settings.ts']);

/** Every module the file imports or re-exports (type-only imports too: they are the same dependency). */
function imports(file: string): string[] {
  return ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, false).importedFiles.map((f) => f.fileName);
}

describe('admin API schemas', () => {
  it('reach nothing but zod, src/ids.ts and each other', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const queue = readdirSync(path.join(root, SCHEMAS)).map((f) => `${SCHEMAS}/${f}`);
    for (let file = queue.shift(); file; file = queue.shift()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) {
          if (spec !== 'zod') outside.push(`${file} imports ${spec}`);
          continue;
        }
        const target = path.posix.join(path.posix.dirname(file), spec).replace(/\.js$/, '.ts');
        if (target.startsWith(`${SCHEMAS}/`) || ALLOWED.has(target)) queue.push(target);
        else outside.push(`${file} imports ${target}`);
      }
    }
    expect(outside).toEqual([]);
    expect(seen).toContain('src/ids.ts');
  });
});
