/**
 * What every ingest handler works with, and the checks they share: ownership of the record id,
 * where new objects go, and reading a declared, signed body.
 */
import { digestHex } from '../../crypto.js';
import type { Services } from '../../services.js';
import { claimRecording } from '../../store/recording-index.js';
import type { Caller } from './auth.js';
import { ingestErrors } from './errors.js';
import type { parseTarget } from './paths.js';
import type { Visibility } from '../objects.js';
import { count } from '../../observability/counters.js';

export interface IngestCall {
  svc: Services;
  bucket: R2Bucket;
  req: Request;
  url: URL;
  caller: Caller;
  target: ReturnType<typeof parseTarget>;
  tenant: string;
  /** Work that goes on after the answer (the request's `waitUntil`). */
  waitUntil: (p: Promise<unknown>) => void;
}

export type IngestHandler = (call: IngestCall) => Promise<Response>;

/**
 * Claims the recording for the calling node (the first writer owns it). Answers the publication
 * the index already gives it, or null when it is not indexed yet.
 */
export async function claimOwnership(call: IngestCall): Promise<boolean | null> {
  const claim = await claimRecording(call.svc.sql, {
    tenant: call.tenant,
    recordId: call.target.recordId,
    serverId: call.caller.server.id,
  });
  if (claim.kind === 'foreign') throw ingestErrors.foreignRecording('This recording belongs to another server.');
  if (claim.kind === 'deleted') throw ingestErrors.deleted('This recording was deleted through the API; it is not imported again.');
  if (claim.first) count(call.svc, 'scaleflare_recording_uploads_started_total');
  return claim.indexedPublished;
}

/** The publication of an upload: the index's when it has the recording, else by RECORDING_IMPORT_UNPUBLISHED. */
export function uploadPublished(svc: Services, indexedPublished: boolean | null, nodeSays = true): boolean {
  return indexedPublished ?? (!svc.cfg.ingest.importUnpublished && nodeSays);
}

/** Where new objects go (before metadata.xml is read, the node is taken to publish it, as BBB does). */
export function uploadVisibility(svc: Services, indexedPublished: boolean | null): Visibility {
  return uploadPublished(svc, indexedPublished) ? 'published' : 'unpublished';
}

/** Claims the recording and answers under which prefix its new objects go. */
export async function ownedVisibility(call: IngestCall): Promise<Visibility> {
  return uploadVisibility(call.svc, await claimOwnership(call));
}

/** The Content-Length the node declared, checked against the limits. */
export function declaredLength(call: IngestCall, max: number): number {
  const raw = call.req.headers.get('content-length');
  if (raw === null || !/^\d{1,15}$/.test(raw)) throw ingestErrors.lengthRequired('Send the body with a Content-Length.');
  const length = Number(raw);
  if (length > max) throw ingestErrors.tooLarge(`The body is larger than ${max} bytes.`);
  return length;
}

/** A small body, read whole and checked against the signed digest. */
export async function signedText(call: IngestCall, max: number): Promise<string> {
  declaredLength(call, max);
  const bytes = new Uint8Array(await call.req.arrayBuffer());
  if (bytes.length > max) throw ingestErrors.tooLarge(`The body is larger than ${max} bytes.`);
  return checkedText(bytes, call.caller.contentSha256, 'The body');
}

/** Signed bytes as text: refused unless they hash to the signed digest and are UTF-8. */
export async function checkedText(bytes: Uint8Array<ArrayBuffer>, sha256: string, what: string): Promise<string> {
  if ((await digestHex('SHA-256', bytes)) !== sha256) throw ingestErrors.digestMismatch(`${what} does not match its declared SHA-256.`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw ingestErrors.badRequest(`${what} is not UTF-8 text.`);
  }
}

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}
