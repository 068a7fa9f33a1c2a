// BBB XML: rendering our responses, and parsing what BBB nodes answer.
// Node XML is never trusted: it is size-limited, DOCTYPE/ENTITY declarations are refused
// outright (no entity expansion at all), and anything malformed is an error, not a guess.
// Parsed responses render back to the same elements, order, text and attributes, so an LMS
// cannot tell a proxied answer from one given by BBB directly.

import { parseXml, XmlElement as XmlDomElement, XmlText as XmlDomText } from '@rgrove/parse-xml';
import type { BbbError } from './errors.js';
import { exceedsUtf8Bytes } from './text.js';

// ---- Types -----------------------------------------------------------------------------

/** A leaf value: null renders as an empty-element tag and '' as an empty element; undefined is skipped. */
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
// Text needs only & < > (and CR, which parsers would otherwise turn into LF); attribute values
// also " and '.
const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;', '"': '&quot;', "'": '&apos;' };
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTRIBUTE_SPECIAL = /[&<>\r"']/g;

function escapeText(value: string | number | boolean, special: RegExp): string {
  if (typeof value !== 'string') return String(value);
  return value.replace(NOT_XML_CHAR, '').replace(special, (c) => TEXT_ESCAPES[c]!);
}

// XML names (QName: NCName, optionally prefixed), the characters of the XML 1.0 Name production.
const NAME_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NCNAME = `[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]*`;
const XML_NAME = new RegExp(`^${NCNAME}(?::${NCNAME})?$`, 'u');

function checkedName(name: string): string {
  if (!XML_NAME.test(name)) throw new Error(`Invalid XML name ${JSON.stringify(name)}`);
  return name;
}

function renderElement(name: string, value: XmlNode): string {
  if (value === undefined) return '';
  if (value === null) return `<${name}/>`;
  if (Array.isArray(value)) return value.map((item) => renderElement(name, item)).join('');
  if (typeof value !== 'object') return `<${name}>${escapeText(value, TEXT_SPECIAL)}</${name}>`;
  const { attributes, content } = renderContent(value as XmlElement);
  return `<${name}${attributes}>${content}</${name}>`;
}

// The attributes ('@_' keys) and the content (elements and '#text', in key order) of an element.
function renderContent(value: XmlElement): { attributes: string; content: string } {
  let attributes = '';
  let content = '';
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith(ATTR)) {
      if (child !== undefined && child !== null) attributes += ` ${checkedName(key.slice(ATTR.length))}="${escapeText(child as string, ATTRIBUTE_SPECIAL)}"`;
    } else if (key === TEXT) {
      if (child !== undefined && child !== null) content += escapeText(child as string, TEXT_SPECIAL);
    } else {
      content += renderElement(checkedName(key), child);
    }
  }
  return { attributes, content };
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `<response>` with `fields` as its content, preceded by the XML declaration. */
export function renderResponse(fields: XmlElement): string {
  return XML_DECLARATION + renderElement('response', fields);
}

/** Elements without the declaration or `<response>`: a part of an answer put together elsewhere. */
export function renderElements(fields: XmlElement): string {
  return renderContent(fields).content;
}

/** A string as it is written in text: what XML cannot carry dropped, entities escaped. */
export function xmlEscapeText(text: string): string {
  return escapeText(text, TEXT_SPECIAL);
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
// BBB answers nest about 8 deep; anything far deeper is hostile.
const MAX_DEPTH = 100;

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

const DECLARATION = /<!DOCTYPE|<!ENTITY/i;
const BAD_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// Only the five XML entities and character references exist without a DTD.
const BAD_REFERENCE = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;
const LITERAL_SECTIONS = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g;
const NOT_BLANK = /\S/;

// An element as XmlValue: its text when it has neither attributes nor child elements, else an
// object of its attributes ('@_name'), child elements (repeated ones, and list items always,
// as arrays) and, without child elements, its text. Whitespace between child elements is
// dropped; text beside elements (mixed content) cannot round-trip and is refused.
function toValue(element: XmlDomElement, depth: number): string | XmlObject {
  if (depth > MAX_DEPTH) throw new NodeXmlError(`elements nested deeper than ${MAX_DEPTH}`);
  let text = '';
  let out: XmlObject | undefined;
  for (const name in element.attributes) {
    out ??= {};
    out[ATTR + name] = element.attributes[name]!;
  }
  let hasChildren = false;
  const listItems = LIST_ITEMS[element.name];
  for (const child of element.children) {
    if (child instanceof XmlDomText) {
      text += child.text;
    } else if (child instanceof XmlDomElement) {
      const name = child.name;
      // Assigning it would replace the object's prototype.
      if (name === '__proto__') throw new NodeXmlError('element <__proto__> not allowed');
      hasChildren = true;
      out ??= {};
      const value = toValue(child, depth + 1);
      const previous = Object.hasOwn(out, name) ? out[name] : undefined;
      if (previous === undefined) out[name] = listItems?.includes(name) ? [value] : value;
      else if (Array.isArray(previous)) previous.push(value);
      else out[name] = [previous as string | XmlObject, value];
    }
  }
  if (hasChildren) {
    if (NOT_BLANK.test(text)) throw new NodeXmlError(`mixed text and elements in <${element.name}>`);
    return out!;
  }
  if (out === undefined) return text;
  if (text !== '') out[TEXT] = text;
  return out;
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

  // A strict parser: anything not well-formed is an error.
  let root: XmlDomElement | null;
  try {
    root = parseXml(xml).root;
  } catch (e) {
    // Its message goes on with an excerpt of the document: the first line says what and where.
    throw new NodeXmlError(e instanceof Error ? e.message.split('\n', 1)[0]! : 'unparsable');
  }
  if (root === null || root.name !== rootName) throw new NodeXmlError(`missing <${rootName}> root`);
  const value = toValue(root, 1);
  if (typeof value === 'string') {
    if (NOT_BLANK.test(value)) throw new NodeXmlError(`text directly inside <${rootName}>`);
    return {};
  }
  return value;
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
