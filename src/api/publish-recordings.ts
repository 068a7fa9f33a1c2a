import { errors } from '../bbb/errors.js';
import { param } from '../bbb/query.js';
import { renderResponse } from '../bbb/xml.js';
import { moveRecording } from '../recordings/objects.js';
import { requireRecordIDs } from '../recordings/query.js';
import { findExact, setPublished } from '../store/recordings.js';
import { forgetPlaybackState } from '../recordings/playback/state.js';
import { xmlResponse, type Handler } from './context.js';
import { failAs } from './recording-failures.js';

/**
 * Publish or unpublish: the files move between the published/ and unpublished/ prefixes first,
 * then the index follows, so a failure half-way is repaired by repeating the call (the move is
 * idempotent). Recordings already in the asked state are left alone, as Scalelite.
 */
export const publishRecordings: Handler = async (call) => {
  const recordIDs = requireRecordIDs(call.params);
  const publishParam = param(call.params, 'publish');
  if (!publishParam) throw errors.missingParamPublish();
  const publish = publishParam.toLowerCase() === 'true';
  const found = await findExact(call.svc.sql, call.tenant.id, recordIDs, ['published', 'unpublished']);
  if (found.length === 0) throw errors.recordingsNotFound();
  try {
    for (const r of found.filter((f) => f.published !== publish)) {
      await moveRecording(call.svc.recordings, r.recordID, publish ? 'published' : 'unpublished');
      await setPublished(call.svc.sql, call.tenant.id, r.recordID, publish);
    }
  } catch (e) {
    failAs('Unable to publish/unpublish recording.')(e);
  } finally {
    forgetPlaybackState(call.tenant.id, recordIDs);
  }
  return xmlResponse(renderResponse({ returncode: 'SUCCESS', published: publish }));
};
