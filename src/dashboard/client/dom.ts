/**
 * Building the page from values the API returns, which are untrusted (server URLs, errors, callback
 * URLs): strings only ever become text nodes, never HTML.
 */

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

type Child = Node | string | null | undefined;
type Attr = string | number | boolean | null | undefined;
interface Props {
  class?: string;
  data?: Record<string, string>;
  onclick?: () => void;
  [attribute: string]: Attr | Record<string, string> | (() => void);
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value as string;
    else if (key === 'data') Object.assign(node.dataset, value);
    else if (key === 'onclick') node.addEventListener('click', value as () => void);
    else node.setAttribute(key, String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attrs: Record<string, string | number>, ...children: Node[]): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

export const td = (value: string | number | null | undefined, cls?: string) =>
  value === undefined || value === null || value === '' ? el('td', { class: cls === 'num' ? 'num muted' : 'muted' }, '—') : el('td', { class: cls }, String(value));
export const num = (value: string | number | null | undefined) => td(value, 'num');

/** A time as its distance from now (past or future), the exact time on hover. */
export function when(iso: string | null | undefined): HTMLTableCellElement {
  if (!iso) return td('never');
  const ms = Date.now() - Date.parse(iso);
  const s = Math.round(Math.abs(ms) / 1000);
  const span = s < 60 ? s + ' s' : s < 3600 ? Math.round(s / 60) + ' min' : s < 86400 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' d';
  return el('td', {}, el('time', { datetime: iso, title: iso }, ms >= 0 ? span + ' ago' : 'in ' + span));
}

export const count = (n: number, noun: string) => n + ' ' + noun + (n === 1 ? '' : 's');

/** Each cell carries its column's heading, shown beside it when a narrow screen stacks the rows. */
export function fill(tableId: string, rows: HTMLTableRowElement[], empty: string): void {
  const table = $<HTMLTableElement>(tableId);
  const heads = [...table.tHead!.rows[0]!.cells].map((c) => c.textContent);
  for (const row of rows) [...row.cells].forEach((cell, i) => (cell.dataset.label = heads[i] || ''));
  table.tBodies[0]!.replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: heads.length, class: 'muted' }, empty))]));
}

export function usage(used: number | undefined, limit: number | undefined): HTMLTableCellElement {
  const text = (used === undefined ? '?' : used) + ' / ' + (limit === undefined ? '∞' : limit);
  const over = used !== undefined && limit !== undefined && used >= limit;
  return el('td', { class: over ? 'num over' : 'num' }, text, over ? el('span', { class: 'sr-only' }, ' (at the limit)') : null);
}

export const clock = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleTimeString() : 'never');
export const host = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};
