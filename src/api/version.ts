import { renderResponse } from '../bbb/xml.js';
import { xmlResponse } from './context.js';

/** The API root, no checksum: Scalelite's answer (version 2.0, optional build number). */
export function version(buildNumber: string): Response {
  return xmlResponse(
    renderResponse({ returncode: 'SUCCESS', version: '2.0', ...(buildNumber ? { build: buildNumber } : {}) }),
  );
}
