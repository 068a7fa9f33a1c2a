/**
 * CSV as `psql \copy … TO … CSV HEADER` writes it (RFC 4180): rows of named fields; an unquoted
 * empty field is SQL NULL (null), a quoted one the empty string.
 */
export function parseCsv(text: string): Record<string, string | null>[] {
  const rows = records(text);
  const header = rows.shift();
  if (!header) return [];
  return rows
    .filter((r) => !(r.length === 1 && r[0] === null))
    .map((r) => Object.fromEntries(header.map((name, i) => [name ?? '', r[i] ?? null])));
}

function records(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  while (i <= n) {
    let value: string | null;
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('CSV: unterminated quoted field');
        v += text.slice(i, q);
        if (text[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      value = v;
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      value = end === i ? null : text.slice(i, end);
      i = end;
    }
    row.push(value);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    rows.push(row);
    row = [];
    if (i >= n) break;
  }
  return rows;
}
