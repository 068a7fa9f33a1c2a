// BBB XML: rendering our responses, and parsing what BBB nodes answer.
// Node XML is never trusted: it is size-limited, DOCTYPE/ENTITY declarations are refused
// outright (no entity expansion at all), and anything malformed is an error, not a guess.
// Parsed responses render back to the same elements, order, text and attributes, so an LMS
// cannot tell a proxied answer from one given by BBB directly.

import { XMLBuilder, XMLParser, XMLValidator, type XmlBuilderOptions } from 'fast-xml-parser';
import type { BbbError } from './errors.js';
import { exceedsUtf8Bytes } from './text.js';

// ---- Types -----------------------------------------------------------------------------

/** A leaf value: null and '' render as an empty element; undefined is skipped. */
export type XmlScalar = string | number | boolean | null | undefined;
/**
 * Something to render. Keys are element names in output order; keys starting with '@_' are
 * attributes of the enclosing element and '#text' is its text; an array repeats the element.
 */
export type XmlNode = XmlScalar | XmlElement | ReadonlyArray<XmlScalar | XmlElement>;
export type XmlElement = { readonly [tag: string]: XmlNode };

/** Parsed node XML: values stay strings ("0123" and "true" are not converted). */
export type XmlValue = string | XmlObject | Array<string | XmlObject>;
export type XmlObject = { [tag: string]: XmlValue };

const ATTR = '@_';
const TEXT = '#text';

// ---- Rendering -------------------------------------------------------------------------

// Characters XML 1.0 cannot carry at all; dropped rather than producing a document no client parses.
const NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlSafe(_name: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(NOT_XML_CHAR, '') : value;
}

// Text needs only & < > (and CR, which parsers would otherwise turn into LF); attribute
// values additionally get " and ' escaped by the builder.
const TEXT_ENTITIES = [
  { regex: /&/g, val: '&amp;' },
  { regex: /</g, val: '&lt;' },
  { regex: />/g, val: '&gt;' },
  { regex: /\r/g, val: '&#13;' },
];

// Options the deprecated typings of fast-xml-parser's XMLBuilder do not list, but it honours.
const builderOptions: XmlBuilderOptions & {
  sanitizeName: (name: string) => string;
  entities: Array<{ regex: RegExp; val: string }>;
} = {
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
  format: false,
  suppressEmptyNode: false,
  // Otherwise an attribute whose value is "true" is written bare, which is not XML.
  suppressBooleanAttributes: false,
  processEntities: true,
  entities: TEXT_ENTITIES,
  tagValueProcessor: xmlSafe,
  attributeValueProcessor: xmlSafe,
  // Called only for names that are not valid XML: refuse instead of emitting broken markup.
  sanitizeName: (name: string) => {
    throw new Error(`Invalid XML name ${JSON.stringify(name)}`);
  },
};
const builder = new XMLBuilder(builderOptions);

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `<response>` with `fields` as its content, preceded by the XML declaration. */
export function renderResponse(fields: XmlElement): string {
  return XML_DECLARATION + builder.build({ response: fields });
}

/** Elements without the declaration or `<response>`: a part of an answer put together elsewhere. */
export function renderElements(fields: XmlElement): string {
  return builder.build(fields);
}

/** A string as the builder writes it in text: what XML cannot carry dropped, entities escaped. */
export function xmlEscapeText(text: string): string {
  let out = xmlSafe('', text) as string;
  for (const e of TEXT_ENTITIES) out = out.replace(e.regex, e.val);
  return out;
}

export function renderError(err: BbbError): string {
  return renderResponse({ returncode: 'FAILED', messageKey: err.key, message: err.message });
}

// ---- Parsing node responses ------------------------------------------------------------

export class NodeXmlError extends Error {
  constructor(readonly reason: string) {
    super(`Invalid XML from BBB node: ${reason}`);
    this.name = 'NodeXmlError';
  }
}

export const DEFAULT_MAX_NODE_XML_BYTES = 4 * 1024 * 1024;

// Elements that are list items in BBB, keyed by their container: always arrays, even when
// there is one. Keyed by parent because some names are also scalars elsewhere
// (<recording>true</recording> in getMeetingInfo, <breakout> in getRecordings).
const LIST_ITEMS: Readonly<Record<string, readonly string[]>> = {
  meetings: ['meeting'],
  attendees: ['attendee'],
  recordings: ['recording'],
  playback: ['format'],
  images: ['image'],
  breakoutRooms: ['breakout', 'breakoutRoom'],
  modules: ['module'],
  module: ['document'],
};

// fast-xml-parser refuses or renames these element names (prototype-pollution guards).
// They are legitimate in BBB (meta_constructor=… comes back as <constructor>), so they are
// parsed under a marker that cannot occur in XML and restored as plain own properties.
const GUARDED_NAMES = new Set([
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);
const MARK = '\u0000';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
  parseTagValue: false,
  parseAttributeValue: false,
  // Leaf text is kept exactly; whitespace between elements is dropped in normalize().
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // Enables numeric character references (&#39; is how BBB writes an apostrophe). Named HTML
  // entities this would also allow never get here: parseNodeResponse rejects them first.
  htmlEntities: true,
  transformTagName: (name) => (GUARDED_NAMES.has(name) ? MARK + name : name),
  isArray: (name, jPath, _isLeaf, isAttribute) => {
    if (isAttribute || typeof jPath !== 'string') return false;
    const parentPath = jPath.slice(0, Math.max(0, jPath.length - name.length - 1));
    const parent = parentPath.slice(parentPath.lastIndexOf('.') + 1);
    return LIST_ITEMS[parent]?.includes(name) ?? false;
  },
});

const DECLARATION = /<!DOCTYPE|<!ENTITY/i;
const BAD_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// Only the five XML entities and character references exist without a DTD.
const BAD_REFERENCE = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;
const LITERAL_SECTIONS = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g;

function restoreName(key: string): string {
  return key.startsWith(MARK) ? key.slice(1) : key;
}

type Parsed = string | { [key: string]: Parsed } | Parsed[];

// Rebuilds the parser's output as XmlObject: restores guarded names, drops whitespace between
// child elements, and refuses mixed content (text beside elements), which cannot round-trip.
function normalize(node: { [key: string]: Parsed }, tag: string): XmlObject {
  const out: XmlObject = {};
  let text: string | undefined;
  let hasChildren = false;
  for (const [rawKey, value] of Object.entries(node)) {
    const key = restoreName(rawKey);
    if (key === TEXT) {
      text = typeof value === 'string' ? value : '';
      continue;
    }
    if (!key.startsWith(ATTR)) hasChildren = true;
    out[key] = normalizeValue(value, key);
  }
  if (text !== undefined) {
    if (!hasChildren) out[TEXT] = text;
    else if (/\S/.test(text)) throw new NodeXmlError(`mixed text and elements in <${tag}>`);
  }
  return out;
}

function normalizeValue(value: Parsed, tag: string): XmlValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (typeof item === 'string') return item;
      if (Array.isArray(item)) throw new NodeXmlError(`unexpected structure in <${tag}>`);
      return normalize(item, tag);
    });
  }
  return normalize(value, tag);
}

/**
 * Parses a BBB node's XML answer and returns the children of its `<response>` root (or of
 * `root`: a recording's metadata.xml has `<recording>`).
 * Throws NodeXmlError on anything oversized, hostile or malformed.
 */
export function parseNodeResponse(text: string, opts: { maxBytes?: number; root?: string } = {}): XmlObject {
  const rootName = opts.root ?? 'response';
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_NODE_XML_BYTES;
  if (exceedsUtf8Bytes(text, maxBytes)) throw new NodeXmlError(`larger than ${maxBytes} bytes`);
  const xml = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (DECLARATION.test(xml)) throw new NodeXmlError('DOCTYPE and ENTITY declarations are not allowed');
  if (BAD_CHAR.test(xml)) throw new NodeXmlError('characters not allowed in XML');
  const references = xml.includes('<!') ? xml.replace(LITERAL_SECTIONS, '') : xml;
  if (BAD_REFERENCE.test(references)) throw new NodeXmlError('undefined entity or stray "&"');

  // The parser is lenient (unclosed tags, bad attributes); the validator is not.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new NodeXmlError(`${valid.err.msg} (line ${valid.err.line})`);

  let doc: { [key: string]: Parsed };
  try {
    doc = parser.parse(xml) as { [key: string]: Parsed };
  } catch (e) {
    throw new NodeXmlError(e instanceof Error ? e.message : 'unparsable');
  }
  const root = doc[rootName];
  if (root === undefined) throw new NodeXmlError(`missing <${rootName}> root`);
  if (typeof root === 'string') {
    if (/\S/.test(root)) throw new NodeXmlError(`text directly inside <${rootName}>`);
    return {};
  }
  if (Array.isArray(root)) throw new NodeXmlError(`more than one <${rootName}>`);
  return normalize(root, rootName);
}

// ---- Reading parsed values -------------------------------------------------------------

/** The text of an element: a plain string, or the '#text' of one with attributes. */
export function xmlText(value: XmlValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined || Array.isArray(value)) return undefined;
  const text = value[TEXT];
  if (typeof text === 'string') return text;
  // An empty element that only has attributes.
  return Object.keys(value).every((k) => k.startsWith(ATTR)) ? '' : undefined;
}

/** The `tag` children of `parent` as a list; [] when the container is empty or absent. */
export function xmlList(parent: XmlValue | undefined, tag: string): Array<string | XmlObject> {
  if (parent === undefined || typeof parent === 'string' || Array.isArray(parent)) return [];
  const value = parent[tag];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
