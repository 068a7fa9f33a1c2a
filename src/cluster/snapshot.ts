import type { XmlObject } from '../bbb/xml.js';
import { fromBase64, toBase64, utf8 } from '../crypto.js';

/** What the poller keeps of one server's getMeetings, for getMeetings to answer without the node. */
export interface ServerSnapshot {
  at: number;
  meetings: XmlObject[];
}

// Snapshots travel in the poll's one Redis request, which Upstash caps at 10 MB: gzipped, a pool of
// 1,000 servers with 10 meetings each fits several times over (docs/scale.md).
const PREFIX = 'gz:';

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export async function encodeSnapshot(snapshot: ServerSnapshot): Promise<string> {
  const json = utf8(JSON.stringify(snapshot));
  return PREFIX + toBase64(await pipe(json, new CompressionStream('gzip')));
}

/** A snapshot as stored; anything unreadable counts as empty rather than failing getMeetings. */
export async function decodeSnapshot(stored: string): Promise<Partial<ServerSnapshot>> {
  try {
    const json = stored.startsWith(PREFIX)
      ? new TextDecoder().decode(await pipe(fromBase64(stored.slice(PREFIX.length)), new DecompressionStream('gzip')))
      : stored;
    return JSON.parse(json) as Partial<ServerSnapshot>;
  } catch {
    return {};
  }
}
