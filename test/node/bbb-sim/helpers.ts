// Shared by the simulator's own tests: signed BBB URLs and a little XML reading.
import { XMLParser } from 'fast-xml-parser';
import { checksumFor, type ChecksumAlgorithm } from '../../support/bbb-sim/checksum';
import type { SimNodeInfo } from '../../support/bbb-sim/simulator';

/** A BBB API URL signed the way a client does it: over the exact query string that is sent. */
export function signed(node: SimNodeInfo, call: string, query = '', algorithm: ChecksumAlgorithm = 'sha1'): string {
  const checksum = checksumFor(call, query, node.secret, algorithm);
  return `${node.url}/${call}?${query ? `${query}&` : ''}checksum=${checksum}`;
}

export function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

const parser = new XMLParser({ parseTagValue: false, htmlEntities: true }); // decodes &#39; as freemarker writes it

/** The <response> element as an object; every value stays a string. */
export function parse(xml: string): Record<string, any> {
  return parser.parse(xml).response;
}

export async function call(url: string, init?: RequestInit): Promise<Record<string, any>> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return parse(await res.text());
}

/** Tag names of the direct children of <response> (or of the element named by `within`), in order. */
export function childOrder(xml: string, within = 'response'): string[] {
  const start = xml.indexOf(`<${within}>`);
  const end = xml.indexOf(`</${within}>`, start);
  const names: string[] = [];
  let depth = 0;
  for (const [, closing, name, selfClosing] of xml.slice(start + within.length + 2, end).matchAll(/<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g)) {
    if (closing) depth--;
    else {
      if (depth === 0) names.push(name ?? '');
      if (!selfClosing) depth++;
    }
  }
  return names;
}

export async function control(sim: { controlUrl: string }, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

export type { SimNodeInfo };
