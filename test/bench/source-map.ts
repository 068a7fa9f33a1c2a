/**
 * Which source file a position of the bundle came from, read from the bundle's source map (wrangler
 * writes `<bundle>.js.map` beside a minified bundle, which has no `// path` comments left). Only
 * the mapping's source index is decoded: enough to attribute a profile's samples to modules.
 */
import { existsSync, readFileSync } from 'node:fs';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Base64 VLQ values of one mapping segment. */
function decodeSegment(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`source map: bad character ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** (0-based line, 0-based column) of the bundle → source path as the map names it; undefined without a map. */
export function sourceLocator(bundleFile: string): ((line: number, column: number) => string | undefined) | undefined {
  const mapFile = `${bundleFile}.map`;
  if (!existsSync(mapFile)) return undefined;
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; mappings: string };
  // Per generated line: ascending columns and the source index each starts.
  const lines: { columns: number[]; sources: number[] }[] = [];
  let source = 0;
  for (const text of map.mappings.split(';')) {
    const line = { columns: [] as number[], sources: [] as number[] };
    let column = 0;
    for (const segment of text ? text.split(',') : []) {
      const v = decodeSegment(segment);
      column += v[0]!;
      if (v.length < 4) continue;
      source += v[1]!;
      line.columns.push(column);
      line.sources.push(source);
    }
    lines.push(line);
  }
  return (line, column) => {
    const l = lines[line];
    if (!l || l.columns.length === 0) return undefined;
    let lo = 0;
    let hi = l.columns.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (l.columns[mid]! <= column) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const path = map.sources[l.sources[Math.max(found, 0)]!];
    return path?.replace(/^(\.\.\/)+/, '').replace(/^.*?(?=(src|scheduled|test|node_modules)\/)/, '');
  };
}
