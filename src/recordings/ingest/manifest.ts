/**
 * The manifest a node sends with `complete`, and the stored-files listing `status` returns: one
 * line per file, `<sha256 hex> <size> <format>/<path>`, the shape `sha256sum` makes easy in bash.
 */
import { ingestErrors } from './errors.js';
import { assertFilePath, assertFormat } from './paths.js';
import { SHA256_HEX } from './node-auth.js';

export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
const MAX_FILES = 100_000;

export interface ManifestEntry {
  format: string;
  path: string;
  size: number;
  sha256: string;
}

export const manifestLine = (e: ManifestEntry): string => `${e.sha256} ${e.size} ${e.format}/${e.path}`;

export function renderManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => manifestLine(e) + '\n').join('');
}

export function parseManifest(text: string, formats: readonly string[]): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]{64}) (\d{1,15}) ([^/]+)\/(.+)$/.exec(line);
    if (!m || !SHA256_HEX.test(m[1]!)) throw ingestErrors.badRequest(`Manifest line ${i + 1} is not "<sha256> <size> <format>/<path>".`);
    const entry = { sha256: m[1]!, size: Number(m[2]), format: assertFormat(m[3]!, formats), path: assertFilePath(m[4]!) };
    const key = `${entry.format}/${entry.path}`;
    if (seen.has(key)) throw ingestErrors.badRequest(`Manifest line ${i + 1} repeats a file.`);
    seen.add(key);
    entries.push(entry);
    if (entries.length > MAX_FILES) throw ingestErrors.tooLarge(`A manifest lists at most ${MAX_FILES} files.`);
  }
  if (entries.length === 0) throw ingestErrors.badRequest('The manifest lists no files.');
  return entries;
}
