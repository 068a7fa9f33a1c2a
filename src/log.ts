/**
 * An error as it may be logged: name and message only, without what a storage client appends
 * (Upstash adds the command and its arguments, which can carry meeting passwords) and without
 * URL query strings (which carry checksums).
 */
export function describeError(e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const message = err.message
    .replace(/,? command was:[\s\S]*$/i, '')
    .replace(/(https?:\/\/[^\s?"']*)\?[^\s"']*/g, '$1?…');
  return `${err.name}: ${message}`;
}
