/** What commands print: an aligned table for people, or the API's JSON with --json. */

export type Cell = string | number | boolean | null | undefined;

export interface Output {
  json: boolean;
  /** Lines for people, each ending in a newline. */
  write(text: string): void;
}

const show = (c: Cell) => (c === null || c === undefined || c === '' ? '-' : String(c));

/** Left-aligned columns, two spaces apart; numbers right-aligned, as `rake status` prints them. */
export function table(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(show));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

/** With --json the answer as the API gave it; otherwise the human rendering. */
export function print(out: Output, answer: unknown, human: () => string): void {
  out.write(out.json ? `${JSON.stringify(answer, null, 2)}\n` : human());
}
