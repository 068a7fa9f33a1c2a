/**
 * What a node's post_archive and post_process hooks report about a recording not yet published
 * (docs/recordings-ingest.md, "Before publishing"): the `<meeting>` and `<metadata>` elements of
 * its raw events.xml, wrapped in `<recording>`, and which formats BBB will produce. Pure: text in,
 * data out, through the hardened node-XML parser.
 */
import { asObject, attr, MetadataError, META_COLUMNS, parseRecordingXml } from '../metadata.js';

export const MAX_REPORT_BYTES = 64 * 1024;

export interface MeetingReport {
  internalMeetingId: string;
  /** The external meetingID the node was given (tenant-scoped when tenancy is on). */
  meetingId: string;
  name: string;
  /** BBB's internal meeting id ends with the creation time in ms. */
  startTime: Date | null;
  /** Every meta_ parameter but meetingId, meetingName and isBreakout, keys as BBB wrote them. */
  metadata: Record<string, string>;
}

/** Throws MetadataError naming what is wrong. */
export function parseMeetingReport(xml: string): MeetingReport {
  const rec = parseRecordingXml(xml, MAX_REPORT_BYTES);
  const meeting = asObject(rec.meeting);
  const meta = asObject(rec.metadata);
  const internalMeetingId = attr(meeting, 'id');
  if (!internalMeetingId) throw new MetadataError('<meeting id> is missing');
  const metadata = Object.fromEntries(
    Object.keys(meta)
      .filter((key) => key.startsWith('@_') && !META_COLUMNS.has(key.slice(2)))
      .map((key) => [key.slice(2), attr(meta, key.slice(2))]),
  );
  const created = /-(\d{13})$/.exec(internalMeetingId)?.[1];
  return {
    internalMeetingId,
    meetingId: attr(meta, 'meetingId') || attr(meeting, 'externalId') || internalMeetingId,
    name: attr(meta, 'meetingName') || attr(meeting, 'name'),
    startTime: created ? new Date(Number(created)) : null,
    metadata,
  };
}

/**
 * The formats to expect: those the node will process and the balancer accepts, less those the
 * meeting turned off with meta_bbb-disable-recording-formats (BBB 3.0.30: a comma-separated list,
 * optionally in brackets, case-insensitive), in the order the balancer lists formats.
 */
export function expectedFormats(nodeFormats: readonly string[], accepted: readonly string[], metadata: Readonly<Record<string, string>>): string[] {
  const disabled = new Set(
    (metadata['bbb-disable-recording-formats'] ?? '')
      .replace(/[[\]]/g, '')
      .split(',')
      .map((f) => f.trim().toLowerCase())
      .filter(Boolean),
  );
  return accepted.filter((f) => nodeFormats.includes(f) && !disabled.has(f.toLowerCase()));
}
