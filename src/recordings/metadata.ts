/**
 * A format's metadata.xml, as BBB's record-and-playback writes it, parsed into what the index
 * stores (reference: scalelite.md §5.2, plus size, raw size and breakout). Pure: text in, data
 * out. Parsing goes through the hardened node-XML parser (no DOCTYPE or entities, size cap).
 */
import { NodeXmlError, parseNodeResponse, xmlList, xmlText, type XmlObject, type XmlValue } from '../bbb/xml.js';

export const MAX_METADATA_XML_BYTES = 2 * 1024 * 1024;

export class MetadataError extends Error {
  override name = 'MetadataError';
}

export interface PreviewImage {
  /** Path and query; the host is the balancer's. */
  url: string;
  width: number | null;
  height: number | null;
  alt: string;
}

export interface PlaybackFormat {
  format: string;
  /** Path and query of the playback link. */
  url: string;
  /** Minutes, rounded, as BBB's getRecordings reports it. */
  length: number;
  processingTime: number | null;
  size: number | null;
  preview: PreviewImage[];
}

export interface RecordingMetadata {
  recordId: string;
  /** The external meetingID the node was given. */
  meetingId: string;
  internalMeetingId: string;
  name: string;
  state: string;
  published: boolean;
  participants: number | null;
  startTime: Date | null;
  endTime: Date | null;
  rawSize: number | null;
  isBreakout: boolean;
  parentMeetingId: string | null;
  breakoutSequence: number | null;
  /** Every `<meta>` child except meetingId, meetingName and isBreakout. */
  metadata: Record<string, string>;
  playback: PlaybackFormat;
}

// Kept out of `metadata`: they are columns of their own (Scalelite does the same).
export const META_COLUMNS = new Set(['meetingId', 'meetingName', 'isBreakout']);
const STATES = new Set(['processing', 'processed', 'published', 'unpublished', 'deleted']);

const child = (o: XmlObject, tag: string): XmlValue | undefined => {
  const v = o[tag];
  return Array.isArray(v) ? v[0] : v;
};
const text = (v: XmlValue | undefined): string => (xmlText(v) ?? '').trim();
export const attr = (v: XmlValue | undefined, name: string): string =>
  v !== undefined && typeof v === 'object' && !Array.isArray(v) ? String(v[`@_${name}`] ?? '').trim() : '';

function integer(raw: string, field: string): number | null {
  if (raw === '') return null;
  if (!/^-?\d{1,16}$/.test(raw)) throw new MetadataError(`<${field}> is not a whole number`);
  return Number(raw);
}

function epochMs(raw: string, field: string): Date | null {
  const ms = integer(raw, field);
  return ms === null ? null : new Date(ms);
}

/** A playback or thumbnail link as path + query: the host is whichever one serves the API call. */
export function pathOf(link: string, field: string): string {
  const trimmed = link.trim();
  if (trimmed.startsWith('/') && !trimmed.startsWith('//')) return trimmed;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new MetadataError(`<${field}> is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MetadataError(`<${field}> is not an http(s) URL`);
  return url.pathname + url.search;
}

function preview(extensions: XmlValue | undefined): PreviewImage[] {
  const images = child((child(asObject(extensions), 'preview') ?? {}) as XmlObject, 'images');
  return xmlList(images, 'image').map((img) => {
    const size = (name: string) => {
      const raw = attr(img, name);
      return /^\d{1,6}$/.test(raw) ? Number(raw) : null;
    };
    return { url: pathOf(text(img), 'image'), width: size('width'), height: size('height'), alt: attr(img, 'alt') };
  });
}

export function asObject(v: XmlValue | undefined): XmlObject {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function metaOf(meta: XmlObject): Record<string, string> {
  // fromEntries defines own properties, so a key such as __proto__ stays plain data.
  return Object.fromEntries(
    Object.entries(meta)
      .filter(([key]) => !key.startsWith('@_') && key !== '#text' && !META_COLUMNS.has(key))
      .map(([key, value]) => [key, xmlText(Array.isArray(value) ? value[0] : value) ?? '']),
  );
}

/** A `<recording>` document from a node, through the hardened parser; what is wrong as a MetadataError. */
export function parseRecordingXml(xml: string, maxBytes: number): XmlObject {
  try {
    return parseNodeResponse(xml, { root: 'recording', maxBytes });
  } catch (e) {
    if (e instanceof NodeXmlError) throw new MetadataError(e.reason);
    throw e;
  }
}

/** Parses one format's metadata.xml. Throws MetadataError naming what is wrong. */
export function parseMetadataXml(xml: string): RecordingMetadata {
  const rec = parseRecordingXml(xml, MAX_METADATA_XML_BYTES);
  const recordId = text(child(rec, 'id'));
  if (!recordId) throw new MetadataError('<id> is missing');
  const meeting = child(rec, 'meeting');
  const meta = asObject(child(rec, 'meta'));
  const playback = asObject(child(rec, 'playback'));
  const format = text(child(playback, 'format'));
  if (!format) throw new MetadataError('<playback><format> is missing');
  const link = text(child(playback, 'link'));
  if (!link) throw new MetadataError('<playback><link> is missing');

  const rawState = text(child(rec, 'state'));
  // Scalelite's screenshare workaround: BBB marks some formats `available`.
  const state = rawState === 'available' || rawState === '' ? 'published' : rawState;
  if (!STATES.has(state)) throw new MetadataError(`<state> "${rawState}" is not a recording state`);

  const breakout = child(rec, 'breakout');
  const parentMeetingId = attr(breakout, 'parentMeetingId') || null;
  const sequence = attr(breakout, 'sequence');
  const duration = integer(text(child(playback, 'duration')), 'duration');

  return {
    recordId,
    meetingId: text(child(meta, 'meetingId')) || attr(meeting, 'externalId') || recordId,
    internalMeetingId: attr(meeting, 'id') || recordId,
    name: text(child(meta, 'meetingName')) || attr(meeting, 'name'),
    state,
    published: text(child(rec, 'published')) === 'true',
    participants: integer(text(child(rec, 'participants')), 'participants'),
    startTime: epochMs(text(child(rec, 'start_time')), 'start_time'),
    endTime: epochMs(text(child(rec, 'end_time')), 'end_time'),
    rawSize: integer(text(child(rec, 'raw_size')), 'raw_size'),
    isBreakout:
      attr(meeting, 'breakout') === 'true' || text(child(meta, 'isBreakout')) === 'true' || parentMeetingId !== null,
    parentMeetingId,
    breakoutSequence: integer(sequence, 'breakout sequence'),
    metadata: metaOf(meta),
    playback: {
      format,
      url: pathOf(link, 'link'),
      length: duration === null ? 0 : Math.round(duration / 60000),
      processingTime: integer(text(child(playback, 'processing_time')), 'processing_time'),
      size: integer(text(child(playback, 'size')), 'size'),
      preview: preview(child(playback, 'extensions')),
    },
  };
}
