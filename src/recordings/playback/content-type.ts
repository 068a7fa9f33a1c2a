/**
 * Content types by extension, the one mapping for every object we store or serve: the HTTP
 * metadata written on a playback file's object (ingest, the Scalelite import), which R2 (public
 * URL, presigned URL) and the Worker-served fallback answer with, as Scalelite's S3 uploads, with
 * Scalelite's `Content-Disposition: attachment` (reference/scalelite.md §5.2, §5.4); and the type
 * the Worker answers for an object stored without one (a player put with `wrangler r2 object put`).
 */
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  map: 'application/json',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
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
  ttf: 'font/ttf',
  otf: 'font/otf',
  eot: 'application/vnd.ms-fontobject',
  wasm: 'application/wasm',
};

// Scalelite makes these download instead of opening in the browser: its S3 uploads by
// extension, its playback every file of a format other than the players'. No filename: Scalelite
// gives none, so the browser takes the URL's.
const ATTACHMENT_EXTENSIONS = new Set(['pdf', 'ogg']);
const PLAYED_FORMATS = new Set(['presentation', 'video', 'screenshare']);

const extension = (path: string) => path.slice(path.lastIndexOf('.') + 1).toLowerCase();

/** The type of a file by its name's extension; application/octet-stream when unknown. */
export function contentTypeFor(path: string): string {
  return TYPES[extension(path)] ?? 'application/octet-stream';
}

export function httpMetadataFor(format: string, path: string): R2HTTPMetadata {
  const attachment = ATTACHMENT_EXTENSIONS.has(extension(path)) || !PLAYED_FORMATS.has(format);
  return {
    contentType: contentTypeFor(path),
    ...(attachment ? { contentDisposition: 'attachment' } : {}),
  };
}
