/**
 * A synthetic published recording as a BBB node has it under /var/bigbluebutton/published:
 * `<format>/<recordID>/…` with a metadata.xml per format. Pure data, so the workerd tests, the
 * node-side script's test and the benchmark build the same thing.
 */

export interface FixtureFile {
  format: string;
  path: string;
  data: Uint8Array;
}

export interface FixtureOptions {
  recordId: string;
  meetingId?: string;
  name?: string;
  /** Bytes of the video format's webm; 0 leaves the video format out. */
  videoBytes?: number;
  published?: boolean;
  meta?: Record<string, string>;
  breakout?: { parentMeetingId: string; sequence: number };
  host?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Deterministic bytes (a cheap xorshift), so digests differ per seed and stay reproducible. */
export function bytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The meeting's ID, name and meta parameters, as BBB writes them in metadata.xml and events.xml. */
function meeting(o: FixtureOptions) {
  const meetingId = o.meetingId ?? `meeting-${o.recordId}`;
  const name = o.name ?? 'Fred\'s "Room" & co';
  return { meetingId, name, meta: Object.entries({ isBreakout: String(!!o.breakout), meetingId, meetingName: name, 'gl-listed': 'false', ...o.meta }) };
}

export function metadataXml(o: FixtureOptions, format: string, link: string, extra = ''): string {
  const { meetingId, name, meta: entries } = meeting(o);
  const meta = entries.map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('');
  const breakout = o.breakout
    ? `<breakout parentMeetingId="${esc(o.breakout.parentMeetingId)}" sequence="${o.breakout.sequence}" meetingId="${esc(meetingId)}"/>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<recording>
  <id>${o.recordId}</id>
  <state>published</state>
  <published>${o.published ?? true}</published>
  <start_time>1530718721124</start_time>
  <end_time>1530718810456</end_time>
  <participants>3</participants>
  <meeting id="${o.recordId}" externalId="${esc(meetingId)}" name="${esc(name)}" breakout="${!!o.breakout}"/>
  <meta>${meta}</meta>
  ${breakout}
  <playback>
    <format>${format}</format>
    <link>${link}</link>
    <processing_time>7177</processing_time>
    <duration>181000</duration>
    ${extra}
  </playback>
  <raw_size>123456</raw_size>
</recording>
`;
}

/** The files of a recording: presentation (metadata, player data, thumbnails) and optionally video. */
export function recordingFixture(o: FixtureOptions): FixtureFile[] {
  const host = o.host ?? 'https://node1.example.com';
  const enc = new TextEncoder();
  const id = o.recordId;
  const preview = `<extensions><preview><images>
      <image width="176" height="136" alt="Welcome to">${host}/presentation/${id}/presentation/d2d9-1/thumbnails/thumb-1.png</image>
      <image width="176" height="136" alt="Slide 2">${host}/presentation/${id}/presentation/d2d9-1/thumbnails/thumb-2.png</image>
    </images></preview></extensions>`;
  const files: FixtureFile[] = [
    { format: 'presentation', path: 'metadata.xml', data: enc.encode(metadataXml(o, 'presentation', `${host}/playback/presentation/2.3/${id}`, preview)) },
    { format: 'presentation', path: 'shapes.svg', data: enc.encode('<svg xmlns="http://www.w3.org/2000/svg"/>') },
    { format: 'presentation', path: 'panzooms.xml', data: enc.encode('<recording/>') },
    { format: 'presentation', path: 'presentation/d2d9-1/thumbnails/thumb-1.png', data: bytes(2048, 7) },
    { format: 'presentation', path: 'presentation/d2d9-1/thumbnails/thumb-2.png', data: bytes(3000, 8) },
    { format: 'presentation', path: 'video/webcams.webm', data: bytes(40_000, 9) },
  ];
  if (o.videoBytes) {
    files.push(
      { format: 'video', path: 'metadata.xml', data: enc.encode(metadataXml(o, 'video', `${host}/playback/video/${id}/`, `<size>${o.videoBytes}</size>`)) },
      { format: 'video', path: 'video-0.m4v', data: bytes(o.videoBytes, 11) },
    );
  }
  return files;
}

/**
 * The `<meeting>` and `<metadata>` elements of the raw events.xml, in `<recording>`: what the
 * node's post_archive and post_process hooks send (the bash script greps them out of the file).
 */
export function eventsExcerpt(o: FixtureOptions): string {
  const { meetingId, name, meta: entries } = meeting(o);
  const meta = entries.map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  return `<recording>
<meeting id="${o.recordId}" externalId="${esc(meetingId)}" name="${esc(name)}" breakout="${!!o.breakout}"/>
<metadata${meta}/>
</recording>
`;
}

/** A raw events.xml as BBB's archive step leaves it under recording/raw/<recordID>/. */
export function eventsXml(o: FixtureOptions): string {
  const [, meeting, metadata] = eventsExcerpt(o).split('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<recording meeting_id="${o.recordId}" bbb_version="3.0.30">
  ${meeting}
  ${metadata}
  <event timestamp="1530718721124" module="PARTICIPANT" eventname="ParticipantJoinEvent"><userId>w_1</userId></event>
</recording>
`;
}
