import { BbbError } from '../bbb/errors.js';
import { param } from '../bbb/query.js';
import { storeTextTrack } from '../recordings/text-tracks.js';
import type { Handler } from './context.js';
import { textTrackRecording } from './get-recording-text-tracks.js';
import { jsonResponse } from './recording-json.js';

/** A multipart POST: recordID, kind, lang and label in the (checksummed) query, the file in `file`. */
export const putRecordingTextTrack: Handler = async (call) => {
  const recordID = await textTrackRecording(call);
  const kind = param(call.params, 'kind') ?? '';
  const lang = param(call.params, 'lang') ?? '';
  if (!kind || !lang) throw new BbbError('paramError', 'Missing param kind or lang.');
  const form = await call.formData().catch(() => undefined);
  const file: unknown = form?.get('file');
  if (!(file instanceof Blob) || file.size === 0) throw new BbbError('empty_uploaded_text_track', 'Empty uploaded text track.');
  await storeTextTrack(call.svc.recordings, recordID, {
    kind,
    lang,
    label: param(call.params, 'label') ?? '',
    file: new Uint8Array(await file.arrayBuffer()),
  });
  return jsonResponse({ returncode: 'SUCCESS', messageKey: 'upload_text_track_success', message: 'Text track uploaded successfully', recordId: recordID });
};
