import { BbbError } from '../bbb/errors.js';
import { decodeUtf8Strict } from '../bbb/text.js';
import { listAll, textTrackKey, textTrackPrefix } from './objects.js';

/**
 * Text tracks (subtitles, captions) of a recording, as BBB's getRecordingTextTracks and
 * putRecordingTextTrack: WebVTT files in R2 under `texttracks/<recordID>/<kind>_<lang>.vtt`,
 * described by the object's custom metadata. SRT uploads are converted to WebVTT.
 */

export const TEXT_TRACK_KINDS = ['subtitles', 'captions'] as const;
export type TextTrackKind = (typeof TEXT_TRACK_KINDS)[number];

export interface TextTrack {
  href: string;
  kind: string;
  label: string;
  lang: string;
  source: string;
}

/** Path on the balancer that serves a track (see the playback routes). */
export const textTrackPath = (recordID: string, file: string) => `/texttracks/${encodeURIComponent(recordID)}/${encodeURIComponent(file)}`;

export async function listTextTracks(bucket: R2Bucket, origin: string, recordID: string): Promise<TextTrack[]> {
  const prefix = textTrackPrefix(recordID);
  return (await listAll(bucket, prefix)).map((o) => {
    const m = o.customMetadata ?? {};
    return {
      href: origin + textTrackPath(recordID, o.key.slice(prefix.length)),
      kind: m.kind ?? 'subtitles',
      label: m.label ?? m.lang ?? '',
      lang: m.lang ?? '',
      source: m.source ?? 'upload',
    };
  });
}

/** Uploaded tracks with their object keys, for the presentation player's captions. */
export async function uploadedTracks(bucket: R2Bucket, recordID: string): Promise<Array<{ key: string; lang: string; label: string }>> {
  return (await listAll(bucket, textTrackPrefix(recordID))).flatMap((o) => {
    const lang = o.customMetadata?.lang;
    return lang ? [{ key: o.key, lang, label: o.customMetadata?.label || lang }] : [];
  });
}

const LANG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;

export interface TrackUpload {
  kind: string;
  lang: string;
  label: string;
  file: Uint8Array;
}

/** Checks an upload as BBB does; the error keys are BBB's. */
export function checkUpload(u: TrackUpload): { kind: TextTrackKind; lang: string } {
  if (!(TEXT_TRACK_KINDS as readonly string[]).includes(u.kind)) {
    throw new BbbError('invalidKind', `Invalid kind parameter, expected='subtitles|captions' actual=${u.kind}`);
  }
  if (!LANG.test(u.lang)) throw new BbbError('invalidLang', `Malformed lang param, received=${u.lang}`);
  if (u.file.byteLength === 0) throw new BbbError('empty_uploaded_text_track', 'Empty uploaded text track.');
  return { kind: u.kind as TextTrackKind, lang: u.lang };
}

/** WebVTT as is; SRT gets the WebVTT header and `.` before the milliseconds. */
function toWebVtt(file: Uint8Array): string {
  const text = decodeUtf8Strict(file)?.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text === undefined) throw new BbbError('upload_text_track_failed', 'Text track upload failed: the file is not UTF-8 text.');
  if (text.startsWith('WEBVTT')) return text;
  return `WEBVTT\n\n${text.replace(/(\d{2}:\d{2}:\d{2}),(\d{3})/g, '$1.$2')}`;
}

export async function storeTextTrack(bucket: R2Bucket, recordID: string, u: TrackUpload): Promise<void> {
  const { kind, lang } = checkUpload(u);
  await bucket.put(textTrackKey(recordID, `${kind}_${lang}.vtt`), toWebVtt(u.file), {
    httpMetadata: { contentType: 'text/vtt; charset=utf-8' },
    customMetadata: { kind, lang, label: u.label || lang, source: 'upload' },
  });
}
