import type { Meeting } from './answers.js';
import { el, host, num, td } from './dom.js';

/** Meetings as the last poll saw them: table rows, and what they add up to per server. */

export interface Totals {
  meetings: number;
  users: number;
  videos: number;
}

/** Per server, what the last poll's meetings add up to (the same list the meetings table shows). */
export function totalsByServer(meetings: Meeting[]): Map<string, Totals> {
  const by = new Map<string, Totals>();
  for (const m of meetings) {
    const t = by.get(m.server) || { meetings: 0, users: 0, videos: 0 };
    t.meetings += 1;
    t.users += m.participants;
    t.videos += m.videoStreams;
    by.set(m.server, t);
  }
  return by;
}

function age(ms: number | null): HTMLTableCellElement {
  if (!ms) return td(null);
  const min = Math.max(0, Math.round((Date.now() - ms) / 60000));
  const at = new Date(ms).toISOString();
  return el('td', {}, el('time', { datetime: at, title: at }, min < 60 ? min + ' min' : Math.floor(min / 60) + ' h ' + (min % 60) + ' min'));
}

/** `urls` (server id → URL) when the row names its server. */
export function meetingRow(m: Meeting, urls: Map<string, string> | null): HTMLTableRowElement {
  return el(
    'tr',
    {},
    td(m.tenantName),
    el('td', {}, el('span', { class: 'id' }, m.meetingID), m.meetingName && m.meetingName !== m.meetingID ? el('span', { class: 'muted sub' }, m.meetingName) : null),
    urls ? el('td', {}, el('a', { href: '#server/' + encodeURIComponent(m.server), class: 'url' }, host(urls.get(m.server) || m.server))) : null,
    num(m.participants),
    num(m.videoStreams),
    age(m.createTime),
    td(m.recording ? 'recording' : 'no', m.recording ? 'rec' : ''),
  );
}
