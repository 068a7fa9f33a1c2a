import { renderElements, renderResponse, xmlEscapeText, type XmlElement, type XmlNode } from '../bbb/xml.js';
import type { PlaybackFormat } from './metadata.js';
import { RENDERED_HERE, type RecordingRow, type RecordingsAnswer } from '../store/recordings.js';

/**
 * getRecordings' XML, in the element order of BBB's Recording.scala (reference/bbb-api.md §1.6),
 * with Scalelite's `<protected>` and one-time URLs for protected recordings. URLs point at the
 * balancer: the scheme and host of the request, as Scalelite.
 *
 * Postgres keeps each recording's element ready, rendered as here (migrations/0015, checked
 * against renderRecording by test/integration/recordings-answer.test.ts); the Worker fills in
 * what varies per request and renders only the recordings whose links are one-time.
 */

export interface RenderOptions {
  /** `https://host[:port]` of the request. */
  origin: string;
  /** PROTECTED_RECORDINGS_ENABLED: show `<protected>` and hide protected files behind links. */
  protection: boolean;
  /** `recordID/format` → one-time token, for the protected recordings listed. */
  linkTokens: ReadonlyMap<string, string>;
}

// Element names a metadata key can safely become (keys come from LMSs through create/update).
const XML_NAME = /^(?!xml)[A-Za-z_][\w.-]*$/i;

const absolute = (origin: string, url: string) => (url.startsWith('/') ? origin + url : url);

/** Scalelite's wording for an empty answer. */
export const NO_RECORDINGS = { messageKey: 'noRecordings', message: 'There are not recordings for the meetings' } as const;

export const linkKey = (recordID: string, format: string) => `${recordID}/${format}`;

function metadata(r: RecordingRow): XmlElement {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.metadata)) if (XML_NAME.test(k)) out[k] = String(v);
  // What BBB's metadata.xml carries beside the create meta_ parameters.
  out.isBreakout ??= String(r.isBreakout);
  out.meetingId ??= r.meetingID;
  out.meetingName ??= r.name;
  return out;
}

function format(r: RecordingRow, f: PlaybackFormat, o: RenderOptions): XmlElement {
  const hidden = o.protection && r.protected;
  const token = o.linkTokens.get(linkKey(r.recordID, f.format));
  const url = hidden && token ? `${o.origin}/recording/${encodeURIComponent(r.recordID)}/${encodeURIComponent(f.format)}?token=${token}` : absolute(o.origin, f.url);
  const images = hidden
    ? []
    : f.preview.map((p) => ({
        '@_alt': p.alt ?? '',
        '@_height': p.height ?? '',
        '@_width': p.width ?? '',
        '#text': absolute(o.origin, p.url),
      }));
  return {
    type: f.format,
    url,
    processingTime: f.processingTime ?? undefined,
    length: f.length,
    size: f.size ?? undefined,
    preview: images.length ? { images: { image: images } } : undefined,
  };
}

export function renderRecording(r: RecordingRow, o: RenderOptions): XmlElement {
  return {
    recordID: r.recordID,
    meetingID: r.meetingID,
    internalMeetingID: r.internalMeetingID,
    name: r.name,
    isBreakout: r.isBreakout,
    published: r.published,
    protected: o.protection ? r.protected : undefined,
    state: r.state,
    startTime: r.startTime ?? undefined,
    endTime: r.endTime ?? undefined,
    participants: r.participants ?? undefined,
    rawSize: r.rawSize ?? undefined,
    metadata: metadata(r),
    breakout: r.isBreakout
      ? { parentId: r.parentMeetingID ?? '', sequence: r.sequence ?? undefined }
      : undefined,
    breakoutRooms: r.breakoutRooms.length ? { breakoutRoom: r.breakoutRooms } : undefined,
    size: r.size ?? undefined,
    playback: r.formats.length ? { format: r.formats.map((f) => format(r, f, o)) } : '',
  };
}

export interface Paging {
  offset: number;
  limit: number;
  total: number;
}

/** The `<response>` content of getRecordings around `recordings`, the content of `<recordings>`. */
function envelope(recordings: XmlNode, count: number, paging?: Paging): XmlElement {
  return {
    returncode: 'SUCCESS',
    recordings: count ? recordings : '',
    ...(count ? {} : NO_RECORDINGS),
    ...(paging
      ? {
          // BBB 2.6+'s block, plus a top-level totalElements, which bbb-app-rooms reads.
          pagination: {
            pageable: { offset: paging.offset, limit: paging.limit, paged: true, unpaged: false },
            totalElements: paging.total,
            empty: count === 0,
          },
          totalElements: paging.total,
        }
      : {}),
  };
}

// Markers in the stored elements (migrations/0015_recording_answer.sql).
const ORIGIN = '\x01';
const PROTECTED_ELEMENT = /\x02([^\x03]*)\x03/g;
// Holds the place of the recordings in the envelope: text the builder leaves as it is.
const RECORDINGS_SLOT = '\uE000';

/** The whole getRecordings answer: the stored elements completed for this request, in their envelope. */
export function renderRecordingsAnswer(a: RecordingsAnswer, o: RenderOptions, paging?: Paging): string {
  const origin = xmlEscapeText(o.origin);
  const parts = a.xml
    .replaceAll(ORIGIN, () => origin)
    .replace(PROTECTED_ELEMENT, o.protection ? '$1' : '')
    .split(RENDERED_HERE);
  let recordings = parts[0]!;
  a.rendered.forEach((r, i) => {
    recordings += renderElements({ recording: renderRecording(r, o) }) + parts[i + 1]!;
  });
  return renderResponse(envelope(RECORDINGS_SLOT, a.count, paging)).replace(RECORDINGS_SLOT, () => recordings);
}
