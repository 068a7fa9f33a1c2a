import { parseRecordingsQuery, recordingsWindow } from '../recordings/query.js';
import { issueLinkToken } from '../recordings/playback/protection.js';
import { linkKey, renderRecordingsAnswer } from '../recordings/render.js';
import { findRecordingsAnswer, type RecordingRow } from '../store/recordings.js';
import { xmlResponse, type ApiCall, type Handler } from './context.js';

/** One-time links for every format of the protected recordings listed (no storage involved). */
async function linkTokens(call: ApiCall, list: RecordingRow[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  if (!call.svc.cfg.recordings.protectByDefault) return tokens;
  const wanted = list.filter((r) => r.protected).flatMap((r) => r.formats.map((f) => ({ recordID: r.recordID, format: f.format })));
  await Promise.all(
    wanted.map(async (w) => tokens.set(linkKey(w.recordID, w.format), await issueLinkToken(call.svc, { tenant: call.tenant.id, ...w }))),
  );
  return tokens;
}

/**
 * BBB 2.6+ getRecordings from the index: one Postgres round trip whatever the size of the answer,
 * which brings each recording's element ready (src/recordings/render.ts).
 */
export const getRecordings: Handler = async (call) => {
  const query = parseRecordingsQuery(call.params, call.svc.cfg.recordings);
  const { page } = query;
  const protection = call.svc.cfg.recordings.protectByDefault;
  const answer = await findRecordingsAnswer(call.svc.sql, call.tenant.id, query.filter, recordingsWindow(query), protection);
  const options = { origin: call.origin, protection, linkTokens: await linkTokens(call, answer.rendered) };
  return xmlResponse(renderRecordingsAnswer(answer, options, page && { ...page, total: answer.total ?? 0 }));
};
