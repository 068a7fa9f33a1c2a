// Turns an incoming API request (query string, optional POST body) into parameters plus the
// exact string the checksum must cover, following BBB's POST rules (bbb-api.md §1.1):
// the raw query when it carries parameters, else BBB's canonical string over the form body.
// Parameters the checksum does not cover are refused, closing Scalelite's unsigned-body hole.

import { encodeFormComponent } from './encode.js';
import { errors } from './errors.js';
import { parseMultipartFields } from './multipart.js';
import { checkQuerySize, parseQuery, type Params } from './query.js';
import { stripChecksum } from './checksum.js';
import { decodeUtf8Strict } from './text.js';

export type BodyKinds = 'form' | 'form-or-xml' | 'xml' | 'none';

export interface ApiRequest {
  /** Query and form-body parameters in order, without `checksum`. */
  params: Params;
  /** What the checksum covers (call and secret excluded). */
  checkString: string;
  checksum: string | undefined;
  /** An XML body (create, insertDocument), kept raw: it is forwarded, not interpreted. */
  xmlBody?: { text: string };
}

export interface IncomingApiRequest {
  method: string;
  /** The query string exactly as received, without the leading '?'. */
  rawQuery: string;
  contentType: string | null;
  body: () => Promise<ArrayBuffer>;
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const XML_TYPES = ['application/xml', 'text/xml', 'application/x-xml'];

const ACCEPTED: Record<BodyKinds, readonly string[]> = {
  form: FORM_TYPES,
  'form-or-xml': [...FORM_TYPES, ...XML_TYPES],
  xml: XML_TYPES,
  none: [],
};

// ParamsUtil.sanitizeString: BBB strips \p{Cc} from names and values before building the string.
const CC = /[\x00-\x1F\x7F-\x9F]/g;

/** ValidationService.buildQueryStringFromParamsMap: keys sorted, values URLEncoder-encoded, checksum skipped. */
export function canonicalQueryString(params: Params): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of params) {
    const key = k.replace(CC, '');
    if (key === 'checksum') continue;
    const values = byKey.get(key);
    if (values) values.push(v);
    else byKey.set(key, [v]);
  }
  const parts: string[] = [];
  // Default sort compares UTF-16 code units, as Java's String.compareTo (TreeSet) does.
  for (const key of [...byKey.keys()].sort()) {
    for (const v of byKey.get(key) ?? []) parts.push(`${key}=${encodeFormComponent(v.replace(CC, ''))}`);
  }
  return parts.join('&');
}

interface Body {
  params: Params;
  xml?: { text: string };
}

async function readBody(req: IncomingApiRequest, accepts: BodyKinds, maxBodyBytes: number): Promise<Body> {
  const bytes = new Uint8Array(await req.body());
  if (bytes.byteLength === 0) return { params: [] };

  const contentType = req.contentType ?? '';
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (!ACCEPTED[accepts].includes(mediaType)) throw errors.unsupportedContentType();
  if (bytes.byteLength > maxBodyBytes) {
    throw errors.validationError(`The request body is larger than ${maxBodyBytes} bytes.`);
  }

  if (mediaType === 'multipart/form-data') return { params: parseMultipartFields(bytes, contentType) };
  const text = decodeUtf8Strict(bytes);
  if (text === undefined) throw errors.validationError('Request body is not valid UTF-8.');
  if (XML_TYPES.includes(mediaType)) return { params: [], xml: { text } };
  return { params: parseQuery(text) };
}

export async function readApiRequest(
  req: IncomingApiRequest,
  opts: { call: string; accepts: BodyKinds; maxBodyBytes: number },
): Promise<ApiRequest> {
  checkQuerySize(req.rawQuery);
  const query = parseQuery(req.rawQuery);
  // Only POST bodies count (as in BBB and Scalelite); any other body is never read.
  const body: Body = req.method.toUpperCase() === 'POST' ? await readBody(req, opts.accepts, opts.maxBodyBytes) : { params: [] };

  const isChecksum = (p: readonly [string, string]) => p[0] === 'checksum';
  const checksums = [...query.filter(isChecksum), ...body.params.filter(isChecksum)];
  if (checksums.length > 1) throw errors.checksumError();
  const checksum = checksums[0]?.[1];

  const queryParams = query.filter((p) => !isChecksum(p));
  const bodyParams = body.params.filter((p) => !isChecksum(p));
  const { stripped } = stripChecksum(req.rawQuery);

  let checkString: string;
  if (stripped !== '') {
    // The checksum covers the query only; body parameters would ride along unsigned.
    if (bodyParams.length > 0) throw errors.checksumError();
    checkString = stripped;
  } else {
    checkString = canonicalQueryString(bodyParams);
  }

  const result: ApiRequest = { params: [...queryParams, ...bodyParams], checkString, checksum };
  if (body.xml) result.xmlBody = body.xml;
  return result;
}
