import { param, type Params } from '../bbb/query.js';
import type { XmlObject } from '../bbb/xml.js';

/** What the tenant's meeting index keeps of a created meeting, until a poll reports it. */
export interface MeetingIndexEntry {
  server: string;
  recordedAt: number;
  meeting: XmlObject;
}

/** A `<meeting>` as getMeetings shows it, in BBB's element order, built from create's answer. */
export function meetingIndexEntry(server: string, created: XmlObject, params: Params): MeetingIndexEntry {
  const metadata: XmlObject = {};
  for (const [k, v] of params) {
    if (/^meta_[a-zA-Z][a-zA-Z0-9-]*$/.test(k)) metadata[k.slice(5).toLowerCase()] = v;
  }
  const field = (name: string, fallback = '') => {
    const v = created[name];
    return typeof v === 'string' ? v : fallback;
  };
  return {
    server,
    recordedAt: Date.now(),
    meeting: {
      meetingName: param(params, 'name') ?? '',
      meetingID: field('meetingID'),
      internalMeetingID: field('internalMeetingID'),
      createTime: field('createTime', '0'),
      createDate: field('createDate'),
      voiceBridge: field('voiceBridge'),
      dialNumber: field('dialNumber'),
      attendeePW: field('attendeePW'),
      moderatorPW: field('moderatorPW'),
      running: 'false',
      duration: field('duration', '0'),
      hasUserJoined: 'false',
      recording: 'false',
      hasBeenForciblyEnded: 'false',
      startTime: '0',
      endTime: '0',
      participantCount: '0',
      listenerCount: '0',
      voiceParticipantCount: '0',
      videoCount: '0',
      maxUsers: param(params, 'maxParticipants') ?? '0',
      moderatorCount: '0',
      attendees: '',
      metadata,
      isBreakout: param(params, 'isBreakout') === 'true' ? 'true' : 'false',
    },
  };
}
