/**
 * A Scalelite recording directory (RECORDING_PUBLISH_DIR or RECORDING_UNPUBLISH_DIR):
 * `<dir>/<format>/<recordID>/…`, read from the local disk (or an NFS mount of it).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Visibility } from '../../src/recordings/objects.js';
import type { SourceFile, SourceFormat, SourceRecording } from './importer.js';

/** Every recording under the directories given, keyed by record id; published wins a format found in both. */
export async function scanTrees(dirs: { dir: string; visibility: Visibility }[]): Promise<Map<string, SourceRecording>> {
  const out = new Map<string, SourceRecording>();
  for (const { dir, visibility } of dirs) {
    for (const format of await subdirs(dir)) {
      for (const recordID of await subdirs(path.join(dir, format))) {
        const rec = out.get(recordID) ?? { recordID, formats: [] };
        out.set(recordID, rec);
        if (rec.formats.some((f) => f.format === format)) continue;
        const root = path.join(dir, format, recordID);
        const files = await Promise.all((await walk(root)).map((rel) => fileAt(root, rel)));
        rec.formats.push({ format, visibility, files } satisfies SourceFormat);
      }
    }
  }
  return out;
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Relative paths of the regular files below `root` ('/'-separated); symlinks are not followed. */
async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, child)));
    else if (e.isFile()) out.push(child);
  }
  return out.sort();
}

async function fileAt(root: string, rel: string): Promise<SourceFile> {
  const abs = path.join(root, ...rel.split('/'));
  const { size } = await stat(abs);
  let digest: Promise<string> | undefined;
  return {
    path: rel,
    size,
    bytes: async () => new Uint8Array(await readFile(abs)),
    stream: () => Readable.toWeb(createReadStream(abs)) as ReadableStream<Uint8Array>,
    sha256: () =>
      (digest ??= new Promise<string>((resolve, reject) => {
        const hash = createHash('sha256');
        createReadStream(abs)
          .on('data', (chunk) => hash.update(chunk))
          .on('end', () => resolve(hash.digest('hex')))
          .on('error', reject);
      })),
  };
}
