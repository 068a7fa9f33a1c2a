// Strict UTF-8 helpers shared by the query, body and XML parsers.

/** Decodes UTF-8, returning undefined on any invalid sequence (no U+FFFD substitution). */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    // A decoder per call: fatal decoders are cheap, and sharing one is only safe without `stream`.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when `text` encodes to more than `max` UTF-8 bytes; avoids encoding when length decides. */
export function exceedsUtf8Bytes(text: string, max: number): boolean {
  // Each UTF-16 unit is 1 to 3 UTF-8 bytes, so the length alone often settles it.
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair is 4 bytes; a lone surrogate is 3 (U+FFFD), close enough
      i++;
    } else bytes += 3;
    if (bytes > max) return true;
  }
  return false;
}
