/** Paths are logged cut to this length. */
const MAX_PATH = 200;

/** JWT-shaped (three base64url parts) or very long segments: tokens, such as the end callback's. */
const TOKEN_LIKE = /^(?:[A-Za-z0-9_-]+\.){2}[A-Za-z0-9_-]+$|^.{81,}$/;

/**
 * A request path as it may be logged: never the query (it carries checksums), and with segments
 * that look like tokens replaced. Record ids (54 characters) and call names stay readable.
 */
export function logPath(path: string): string {
  // No segment can look like a token (two dots, or over 80 characters): as it is (every API call).
  if (path.length <= 80 && !path.includes('.')) return path;
  return path
    .split('/')
    .map((segment) => (TOKEN_LIKE.test(segment) ? '[redacted]' : segment))
    .join('/')
    .slice(0, MAX_PATH);
}
