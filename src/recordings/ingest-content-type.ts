/** Content types of playback files by extension, as Scalelite sets them on its S3 uploads. */
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

// Scalelite makes these download instead of opening in the browser.
const ATTACHMENT = new Set(['pdf', 'ogg']);

export function httpMetadataFor(path: string): R2HTTPMetadata {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return {
    contentType: TYPES[ext] ?? 'application/octet-stream',
    ...(ATTACHMENT.has(ext) ? { contentDisposition: 'attachment' } : {}),
  };
}
