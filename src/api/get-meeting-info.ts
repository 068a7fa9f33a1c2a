import type { Handler } from './context.js';
import { sharedMeetingAnswer, unknownMeeting } from './shared-answer.js';

/** Only meetingID is forwarded, as in Scalelite; the node's answer comes back as BBB wrote it. */
export const getMeetingInfo: Handler = (call) => sharedMeetingAnswer(call, 'info', unknownMeeting);
