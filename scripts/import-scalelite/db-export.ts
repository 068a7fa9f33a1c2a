/**
 * Scalelite's recording tables, exported with psql (docs/recordings-migration.md):
 * recordings.csv, metadata.csv, playback_formats.csv and, optionally, thumbnails.csv, each
 * `\copy (SELECT * FROM <table>) TO '<table>.csv' CSV HEADER`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from './csv.js';
import { fromTables, type ExportedRecording, type Row } from './db-tables.js';

export function readDbExport(dir: string): Map<string, ExportedRecording> {
  const table = (name: string, required: boolean): Row[] => {
    const file = path.join(dir, `${name}.csv`);
    if (!existsSync(file)) {
      if (required) throw new Error(`${file} is missing`);
      return [];
    }
    return parseCsv(readFileSync(file, 'utf8'));
  };
  return fromTables({
    recordings: table('recordings', true),
    metadata: table('metadata', true),
    playbackFormats: table('playback_formats', true),
    thumbnails: table('thumbnails', false),
  });
}

