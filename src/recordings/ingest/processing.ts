/**
 * A recording reported before it is published, by the node's post_archive (processing) and
 * post_process (processed, once per format) hooks: kept in the index until `complete` indexes it,
 * so getRecordings can answer state=processing|processed, drain can wait for it and metrics can
 * count it. One Postgres statement; a report for a recording already indexed changes nothing.
 */
import { log } from '../../observability/log.js';
import { reportProcessing } from '../../store/recording-processing.js';
import { knownTenants } from '../../tenancy/tenant.js';
import { fromNodeMeetingID } from '../../tenancy/scope.js';
import { json, signedText, type IngestCall } from './call.js';
import { ingestErrors } from './errors.js';
import { MetadataError } from '../metadata.js';
import { expectedFormats, MAX_REPORT_BYTES, parseMeetingReport } from './processing-report.js';

function report(text: string) {
  try {
    return parseMeetingReport(text);
  } catch (e) {
    if (e instanceof MetadataError) throw ingestErrors.invalidMetadata(`The events.xml excerpt: ${e.message}.`);
    throw e;
  }
}

/** POST processing/<recordID>?state=processing|processed&formats=<a,b>&ended=<unix s>[&format=<f>], body: the events.xml excerpt. */
export async function reportRecordingProcessing(call: IngestCall): Promise<Response> {
  const { svc } = call;
  const q = call.url.searchParams;
  const state = q.get('state');
  if (state !== 'processing' && state !== 'processed') throw ingestErrors.badRequest('state must be processing or processed.');
  const ended = q.get('ended') ?? '';
  if (!/^\d{1,12}$/.test(ended)) throw ingestErrors.badRequest('ended must be the end of the meeting in Unix seconds.');
  const accepted = svc.cfg.recordings.formats;
  // A format the balancer does not take (BBB's notes, say) is processed all the same: not an error.
  const format = q.get('format');
  const processedFormat = state === 'processed' && format !== null && accepted.includes(format) ? format : null;

  const meeting = report(await signedText(call, MAX_REPORT_BYTES));
  if (meeting.internalMeetingId !== call.target.recordId) throw ingestErrors.invalidMetadata('The events.xml excerpt is for another recording.');
  const owner = fromNodeMeetingID(meeting.meetingId, new Set(await knownTenants(svc)));
  const formats = expectedFormats((q.get('formats') ?? '').split(','), accepted, meeting.metadata);
  const outcome = await reportProcessing(svc.sql, {
    recordId: call.target.recordId,
    tenant: owner.tenant,
    serverId: call.caller.server.id,
    meetingId: owner.meetingID,
    name: meeting.name,
    state,
    formats,
    processedFormat,
    metadata: meeting.metadata,
    startTime: meeting.startTime,
    // A node clock ahead of ours must not make the meeting end in the future.
    meetingEndedAt: new Date(Math.min(Number(ended) * 1000, Date.now())),
  });
  if (outcome === 'foreign') throw ingestErrors.foreignRecording('This recording belongs to another server.');
  if (outcome === 'recorded') log('info', `recording ${state}`, { tenant: owner.tenant, recordID: call.target.recordId, meetingID: owner.meetingID, server: call.caller.server.id, formats: formats.join(','), ...(processedFormat ? { format: processedFormat } : {}) });
  return json({ recordID: call.target.recordId, state: outcome === 'indexed' ? 'indexed' : state, formats });
}
