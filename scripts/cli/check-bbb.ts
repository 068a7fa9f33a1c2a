import { createHash } from 'node:crypto';
import { CliError } from './errors.js';

/**
 * The BBB API of a balancer as any BBB client calls it: SHA-256 checksums over call, query and the
 * shared secret. Only what the acceptance check reads out of the XML, so no parser is needed; the
 * secret is only ever inside a checksum, never in a URL's clear text or a message.
 */

export interface BbbAnswer {
  status: number;
  returncode: string | undefined;
  messageKey: string | undefined;
  xml: string;
  /** The redirect target of a join (the node's own join URL). */
  location: string | null;
}

/** The text of every `<tag>` in an XML answer, in document order. */
export const tagTexts = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>(?:<!\\[CDATA\\[)?([\\s\\S]*?)(?:\\]\\]>)?</${tag}>`, 'g'))].map((m) => m[1]!.trim());

export interface BbbApi {
  /** The API's base, e.g. https://lb.example.com/bigbluebutton/api (no credentials). */
  readonly base: string;
  /** A signed call; `checksum` overrides the right one (to check that a wrong one is refused). */
  call(name: string, params?: Record<string, string>, o?: { checksum?: string }): Promise<BbbAnswer>;
  /** The unsigned index (`/bigbluebutton/api`). */
  index(): Promise<BbbAnswer>;
}

/** `send` is how requests go out: fetch, or (the recovery drill) straight into a local Worker. */
export function bbbApi(base: string, secret: string, send: typeof fetch = fetch): BbbApi {
  const get = async (url: string): Promise<BbbAnswer> => {
    let res: Response;
    try {
      res = await send(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Cannot reach ${new URL(base).origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    const xml = await res.text();
    return { status: res.status, returncode: tagTexts(xml, 'returncode')[0], messageKey: tagTexts(xml, 'messageKey')[0], xml, location: res.headers.get('location') };
  };
  return {
    base,
    index: () => get(base),
    call: (name, params = {}, o = {}) => {
      const query = new URLSearchParams(params).toString();
      const checksum = o.checksum ?? createHash('sha256').update(name + query + secret).digest('hex');
      return get(`${base}/${name}?${query}${query ? '&' : ''}checksum=${checksum}`);
    },
  };
}

/** A call that must answer SUCCESS; otherwise the answer's own messageKey says why. */
export async function succeed(api: BbbApi, name: string, params?: Record<string, string>): Promise<BbbAnswer> {
  const a = await api.call(name, params);
  if (a.returncode !== 'SUCCESS') throw new CliError(`${name} answered ${describe(a)}`);
  return a;
}

export const describe = (a: BbbAnswer): string =>
  a.returncode ? `${a.returncode}${a.messageKey ? ` (${a.messageKey})` : ''}` : `HTTP ${a.status} without a BBB answer`;
