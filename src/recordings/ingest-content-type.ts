/**
 * The HTTP metadata stored on a playback file's object, which R2 (public URL, presigned URL) and
 * the Worker-served fallback answer with: the content type by extension, as Scalelite's S3
 * uploads, and Scalelite's `Content-Disposition: attachment` (reference/scalelite.md §5.2, §5.4).
 */
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webm: 'video/webm',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  ogg: 'audio/ogg',
  opus: 'audio/opus',
  mp3: 'audio/mpeg',
  pdf: 'application/pdf',
  vtt: 'text/vtt; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  woff: 'font/woff',
  woff2: 'font/woff2',
};

// Scalelite makes these download instead of opening in the browser: its S3 uploads by
// extension, its playback every file of a format other than the players'. No filename: Scalelite
// gives none, so the browser takes the URL's.
const ATTACHMENT_EXTENSIONS = new Set(['pdf', 'ogg']);
const PLAYED_FORMATS = new Set(['presentation', 'video', 'screenshare']);

export function httpMetadataFor(format: string, path: string): R2HTTPMetadata {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const attachment = ATTACHMENT_EXTENSIONS.has(ext) || !PLAYED_FORMATS.has(format);
  return {
    contentType: TYPES[ext] ?? 'application/octet-stream',
    ...(attachment ? { contentDisposition: 'attachment' } : {}),
  };
}
