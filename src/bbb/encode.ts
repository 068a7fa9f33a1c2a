// Form encoding of parameters, as Ruby's URI.encode_www_form (what Scalelite sends to nodes) and
// Java's URLEncoder.encode (what BBB uses for its canonical POST string) both do it:
// alphanumerics and `*-._` stay, space becomes '+', everything else is %XX of its UTF-8 bytes.

import type { Params } from './query.js';

// encodeURIComponent also leaves !'()~ alone; those must be escaped here.
const EXTRA = /[!'()~]/g;
const EXTRA_ESCAPED: Readonly<Record<string, string>> = { '!': '%21', "'": '%27', '(': '%28', ')': '%29', '~': '%7E' };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// What both encoders leave as it is: most keys and ids need no encoding at all.
const UNRESERVED = /^[A-Za-z0-9*._-]*$/;

export function encodeFormComponent(value: string): string {
  if (UNRESERVED.test(value)) return value;
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    // Lone surrogates cannot be UTF-8 encoded; Ruby and Java substitute them the same way.
    encoded = encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
  }
  return encoded.replace(EXTRA, (c) => EXTRA_ESCAPED[c]!).replaceAll('%20', '+');
}

export function encodeQuery(params: Params): string {
  return params.map(([k, v]) => `${encodeFormComponent(k)}=${encodeFormComponent(v)}`).join('&');
}
