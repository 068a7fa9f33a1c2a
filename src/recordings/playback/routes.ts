import { Hono } from 'hono';
import { bbbError } from '../../api/context.js';
import { frame, type AppContext, type AppEnv } from '../../http/env.js';
import { RECORD_ID } from '../../ids.js';
import type { Services } from '../../services.js';
import { resolveTenant } from '../../tenancy/tenant.js';
import { objectKey, textTrackKey } from '../objects.js';
import { objectLocation, serveObject, SIGNED_OBJECT_PREFIX, verifyObjectUrl } from './serve.js';
import { cachedPlaybackState } from './state.js';
import { accessCookie, hasAccess, redeemLinkToken, type Scope } from './protection.js';
import { uploadedTracks } from '../text-tracks.js';

/**
 * Playback on the balancer's host, as Scalelite's routes and nginx (reference/scalelite.md §5.4):
 * `/<format>/<recordID>/…` for every RECORDING_PLAYBACK_FORMATS format, the presentation player
 * under `/playback/presentation/2.3/`, Scalelite's redirects, one-time links of protected
 * recordings, text tracks, and the Worker-served fallback for object URLs.
 *
 * Each file is checked (published, tenant, protection) and then redirected to object storage;
 * HTML documents are the exception: the Worker serves them from the binding so that the page
 * stays on the balancer's origin and its relative requests come back here to be checked too.
 */

type Ctx = AppContext;

/** Where operators put BBB's presentation player (bbb-playback) in the bucket. */
export const PLAYER_PREFIX = 'playback/presentation/2.3/';

const NOT_FOUND_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Recording Not Found</title></head>
<body><h1>Recording Not Found</h1><p>The recording you asked for does not exist or is not available.</p></body></html>
`;

function notFoundPage(): Response {
  return new Response(NOT_FOUND_HTML, { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
}

const MAX_PATH = 1024;

/**
 * The request path's segments, percent-decoded one by one; undefined for anything that could
 * step outside a recording's prefix or is not a plain path ('.', '..', empty inner segments,
 * control characters, bad escapes). A trailing slash yields a last segment ''.
 */
function segments(url: string): string[] | undefined {
  const { pathname } = new URL(url);
  if (pathname.length > MAX_PATH) return undefined;
  const raw = pathname.slice(1).split('/');
  const out: string[] = [];
  for (const [i, s] of raw.entries()) {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      return undefined;
    }
    const last = i === raw.length - 1;
    if ((d === '' && !last) || d === '.' || d === '..' || d.includes('/') || d.includes('\\') || /[\x00-\x1f\x7f]/.test(d)) return undefined;
    out.push(d);
  }
  return out;
}

/** A file path inside a recording's prefix; a directory means its index.html. */
function filePath(rest: string[]): string {
  if (rest.length === 0 || rest[rest.length - 1] === '') return [...rest.slice(0, -1), 'index.html'].join('/');
  return rest.join('/');
}

const origin = (c: Ctx) => new URL(c.req.url).origin;

function redirect(location: string, status: 302 | 307 = 307): Response {
  return new Response(null, { status, headers: { Location: location, 'Cache-Control': 'no-store' } });
}

/** HTML from the binding (same origin, see above); everything else by redirect. */
async function deliver(c: Ctx, svc: Services, key: string, isProtected: boolean): Promise<Response> {
  if (key.endsWith('.html')) return (await serveObject(svc.recordings, key, c.req.raw)) ?? notFoundPage();
  return redirect(await objectLocation(svc.cfg, origin(c), key, isProtected), 302);
}

interface Checked {
  svc: Services;
  scope: Scope;
  /** Protected and protection enforced (PROTECTED_RECORDINGS_ENABLED). */
  isProtected: boolean;
  url: string | null;
}

/** The recording if it may be played: published, this tenant's, playback enabled. */
async function playable(c: Ctx, recordID: string, format: string): Promise<Checked | undefined> {
  const svc = c.get('services');
  if (svc.cfg.recordings.disabled || !RECORD_ID.test(recordID)) return undefined;
  const tenant = await resolveTenant(svc, new URL(c.req.url).host, c.get('waitUntil'));
  if (!tenant) return undefined;
  const scope = { tenant: tenant.id, recordID, format };
  const state = await cachedPlaybackState(svc, scope.tenant, recordID, format);
  if (!state?.published) return undefined;
  return { svc, scope, isProtected: svc.cfg.recordings.protectByDefault && state.protected, url: state.url };
}

export const playback = new Hono<AppEnv>();

// Scalelite's nginx redirects.
playback.get('/playback/video/*', (c) => redirect(c.req.url.replace('/playback/video/', '/video/')));
playback.get('/recording/screenshare/*', (c) => redirect(c.req.url.replace('/recording/screenshare/', '/screenshare/')));
for (const old of ['/playback/presentation/playback.html', '/playback/presentation/2.0/playback.html']) {
  playback.get(old, (c) => {
    const id = c.req.query('meetingId') ?? '';
    return RECORD_ID.test(id) ? redirect(`/playback/presentation/2.3/${id}`, 302) : notFoundPage();
  });
}

// The player: its files by redirect, any other path (a recording's page) is its index.html.
playback.get(`/${PLAYER_PREFIX}*`, frame, async (c) => {
  const path = segments(c.req.url)?.slice(3);
  if (!path) return notFoundPage();
  const svc = c.get('services');
  const last = path[path.length - 1] ?? '';
  if (last.includes('.')) return deliver(c, svc, PLAYER_PREFIX + path.join('/'), false);
  return (await serveObject(svc.recordings, `${PLAYER_PREFIX}index.html`, c.req.raw)) ?? notFoundPage();
});

// A protected recording's one-time link: the access cookie, then the recording's own URL.
playback.get('/recording/:recordID/:format', frame, async (c) => {
  const { recordID, format } = c.req.param();
  const rec = await playable(c, recordID, format);
  if (!rec?.url) return notFoundPage();
  const location = rec.url.startsWith('/') ? origin(c) + rec.url : rec.url;
  if (!rec.isProtected) return redirect(location);
  if (!(await redeemLinkToken(rec.svc, rec.scope, c.req.query('token') ?? ''))) return notFoundPage();
  const res = redirect(location);
  res.headers.append('Set-Cookie', await accessCookie(rec.svc, rec.scope, origin(c).startsWith('https:')));
  return res;
});

// The local-dev fallback: objects straight from the binding behind an HMAC-signed URL.
playback.get(`${SIGNED_OBJECT_PREFIX}*`, frame, async (c) => {
  const key = segments(c.req.url)?.slice(1).join('/');
  const svc = c.get('services');
  const valid = key && (await verifyObjectUrl(svc.cfg, key, c.req.query('expires') ?? '', c.req.query('signature') ?? ''));
  if (!key || !valid) return notFoundPage();
  return (await serveObject(svc.recordings, key, c.req.raw)) ?? notFoundPage();
});

// Text tracks of open recordings (getRecordingTextTracks' hrefs).
playback.get('/texttracks/:recordID/:file', frame, async (c) => {
  const { recordID, file } = c.req.param();
  const rec = await playable(c, recordID, '');
  if (!rec || rec.isProtected || !/^[\w.-]+\.vtt$/.test(file)) return notFoundPage();
  return deliver(c, rec.svc, textTrackKey(recordID, file), false);
});

/**
 * The presentation player reads `captions.json` ([{locale, localeName}]) and `caption_<locale>.vtt`
 * from the format's files. BBB merges uploaded text tracks into them; so does this, on the fly,
 * so a track uploaded with putRecordingTextTrack shows in the player (protected ones included).
 */
async function playerCaptions(c: Ctx, rec: Checked, path: string): Promise<Response | undefined> {
  const vtt = /^caption_([\w-]+)\.vtt$/.exec(path);
  if (path !== 'captions.json' && !vtt) return undefined;
  const tracks = await uploadedTracks(rec.svc.recordings, rec.scope.recordID);
  if (vtt) {
    const track = tracks.find((t) => t.lang === vtt[1]);
    return track && deliver(c, rec.svc, track.key, rec.isProtected);
  }
  if (tracks.length === 0) return undefined;
  const own = await rec.svc.recordings.get(objectKey('published', 'presentation', rec.scope.recordID, path));
  const listed: unknown = own ? await own.json().catch(() => []) : [];
  const recorded = (Array.isArray(listed) ? listed : []).filter(
    (e: { locale?: unknown }) => !tracks.some((t) => t.lang === e?.locale),
  );
  const merged = [...recorded, ...tracks.map((t) => ({ locale: t.lang, localeName: t.label }))];
  return Response.json(merged, { headers: { 'Cache-Control': 'no-store' } });
}

// A format's files: `/<format>/<recordID>[/<path>]`.
const resource = async (c: Ctx) => {
  const format = c.req.param('format') ?? '';
  if (!c.get('services').cfg.recordings.formats.includes(format)) return c.notFound();
  const [, recordID = '', ...rest] = segments(c.req.url) ?? [];
  const rec = await playable(c, recordID, format);
  if (!rec || rec.url === null) return notFoundPage();
  if (rec.isProtected && !(await hasAccess(rec.svc, rec.scope, c.req.header('cookie')))) return notFoundPage();
  const path = filePath(rest);
  const captions = format === 'presentation' ? await playerCaptions(c, rec, path) : undefined;
  return captions ?? deliver(c, rec.svc, objectKey('published', format, recordID, path), rec.isProtected);
};
playback.get('/:format/:recordID', frame, resource);
playback.get('/:format/:recordID/*', frame, resource);

// Scalelite's routes: a failure is answered as its catch-all answers, BBB XML.
playback.onError((e) => bbbError(e));
