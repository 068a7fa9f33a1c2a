import type { XmlObject } from '../bbb/xml.js';

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

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function encodeSnapshot(snapshot: ServerSnapshot): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(snapshot));
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
