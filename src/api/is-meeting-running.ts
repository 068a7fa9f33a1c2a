import { renderResponse } from '../bbb/xml.js';
import { xmlResponse, type Handler } from './context.js';
import { sharedMeetingAnswer } from './shared-answer.js';

/** Unknown meetings answer locally (running=false); known ones ask their server. */
export const isMeetingRunning: Handler = (call) =>
  sharedMeetingAnswer(call, 'running', () => xmlResponse(renderResponse({ returncode: 'SUCCESS', running: 'false' })));
