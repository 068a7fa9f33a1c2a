import { beforeEach, describe, expect, it } from 'vitest';
import { BASE, counters, resetCounters, send } from './support';
import { bucket, putFiles, recordingsXml, resetRecordings, seed } from './recordings-api-support';
import { bbb } from './support';

const KEY = 'playback-test-key';
const LOCAL = { SECRET_KEY_BASE: KEY };
const PROTECTED = { ...LOCAL, PROTECTED_RECORDINGS_ENABLED: 'true' };
const PUBLIC = { ...LOCAL, RECORDINGS_PUBLIC_URL: 'https://cdn.example.com/' };
const S3 = { ...LOCAL, R2_ACCOUNT_ID: 'acct123', R2_BUCKET_NAME: 'recs', R2_ACCESS_KEY_ID: 'AKIDEXAMPLE', R2_SECRET_ACCESS_KEY: 'not-a-real-secret' };

const get = (path: string, env: Record<string, string> = LOCAL, headers: Record<string, string> = {}) =>
  send(new Request(path.startsWith('http') ? path : BASE + path, { redirect: 'manual', headers }), env);

/** HMAC-SHA256 hex with the test's SECRET_KEY_BASE, computed independently of src/. */
async function hmac(parts: string[]): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(KEY), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(parts.join('\n')));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const enc = new TextEncoder();
const toHex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const hmacRaw = async (key: ArrayBuffer | Uint8Array, data: string) =>
  crypto.subtle.sign('HMAC', await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), enc.encode(data));
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Recomputes an S3 presigned URL's SigV4 signature from AWS's specification, independently of aws4fetch. */
async function sigV4Matches(url: URL, secretKey: string): Promise<boolean> {
  const q = [...url.searchParams].filter(([k]) => k !== 'X-Amz-Signature').sort(([a], [b]) => (a < b ? -1 : 1));
  const canonical = [
    'GET',
    url.pathname.split('/').map((seg) => rfc3986(decodeURIComponent(seg))).join('/'),
    q.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&'),
    `host:${url.host}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, toHex(await crypto.subtle.digest('SHA-256', enc.encode(canonical)))].join('\n');
  let key: ArrayBuffer | Uint8Array = enc.encode(`AWS4${secretKey}`);
  for (const part of scope.split('/')) key = await hmacRaw(key, part);
  return toHex(await hmacRaw(key, toSign)) === url.searchParams.get('X-Amz-Signature');
}

async function expectNotFoundPage(res: Response | Promise<Response>) {
  const r = await res;
  expect(r.status).toBe(404);
  expect(r.headers.get('content-type')).toContain('text/html');
  expect(await r.text()).toContain('Recording Not Found');
}

beforeEach(async () => {
  await resetRecordings();
  await seed({ recordID: 'rec-1', formats: [{ format: 'presentation', url: '/playback/presentation/2.3/rec-1' }, { format: 'video', url: '/playback/video/rec-1/' }] });
  await putFiles('published', 'presentation', 'rec-1', { 'metadata.xml': '<recording>1</recording>', 'slides/s 1.png': 'PNGDATA' });
  await putFiles('published', 'video', 'rec-1', { 'index.html': '<html>video</html>', 'video-0.m4v': '0123456789' });
});

describe('open recordings, Worker-served fallback (local dev)', () => {
  it('redirects a file to a signed Worker URL that serves it, with ranges', async () => {
    const res = await get('/presentation/rec-1/slides/s%201.png');
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${BASE}/recording-files/published/presentation/rec-1/slides/s%201\\.png\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    const file = await get(location);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('PNGDATA');
    // HEAD, as media players send, gets the same answers.
    expect((await send(new Request(`${BASE}/presentation/rec-1/slides/s%201.png`, { method: 'HEAD', redirect: 'manual' }), LOCAL)).status).toBe(302);
    const head = await send(new Request(location, { method: 'HEAD' }), LOCAL);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const video = (await get('/video/rec-1/video-0.m4v')).headers.get('location')!;
    const part = await get(video, LOCAL, { Range: 'bytes=2-5' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await part.text()).toBe('2345');
  });

  it('checks a recording once for a burst of its files (one Postgres round trip, no Redis)', async () => {
    await resetCounters();
    for (const file of ['metadata.xml', 'slides/s%201.png', 'shapes.svg', 'panzooms.xml']) {
      expect((await get(`/presentation/rec-1/${file}`)).status).toBe(302);
    }
    expect(await counters()).toEqual({ redis: 0, postgres: 1 });
  });

  it('refuses tampered, expired and foreign signatures', async () => {
    const location = new URL((await get('/presentation/rec-1/metadata.xml')).headers.get('location')!);
    const signature = location.searchParams.get('signature')!;
    const expires = location.searchParams.get('expires')!;
    await expectNotFoundPage(get(`/recording-files/published/presentation/rec-1/metadata.xml?expires=${expires}&signature=${'0'.repeat(64)}`));
    await expectNotFoundPage(get(`/recording-files/published/presentation/rec-1/slides/s%201.png?expires=${expires}&signature=${signature}`));
    await expectNotFoundPage(get(`/recording-files/published/presentation/rec-1/metadata.xml?expires=${Number(expires) + 1}&signature=${signature}`));
    const past = String(Math.floor(Date.now() / 1000) - 10);
    const key = 'published/presentation/rec-1/metadata.xml';
    await expectNotFoundPage(get(`/recording-files/${key}?expires=${past}&signature=${await hmac(['object', key, past])}`));
    // The same signature checks out while it is valid (the test computes it independently).
    const future = String(Math.floor(Date.now() / 1000) + 60);
    expect((await get(`/recording-files/${key}?expires=${future}&signature=${await hmac(['object', key, future])}`)).status).toBe(200);
  });

  it('serves HTML documents itself so their relative requests come back to the balancer', async () => {
    for (const path of ['/video/rec-1/', '/video/rec-1/index.html']) {
      const res = await get(path, PUBLIC);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('<html>video</html>');
    }
  });

  it('follows Scalelite\'s player redirects', async () => {
    const video = await get('/playback/video/rec-1/');
    expect(video.status).toBe(307);
    expect(video.headers.get('location')).toBe(`${BASE}/video/rec-1/`);
    const screenshare = await get('/recording/screenshare/rec-1/deskshare.webm');
    expect(screenshare.headers.get('location')).toBe(`${BASE}/screenshare/rec-1/deskshare.webm`);
    for (const old of ['/playback/presentation/playback.html?meetingId=rec-1', '/playback/presentation/2.0/playback.html?meetingId=rec-1']) {
      const res = await get(old);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/playback/presentation/2.3/rec-1');
    }
  });

  it('serves the presentation player from the bucket: its page from the Worker, its files by redirect', async () => {
    await expectNotFoundPage(get('/playback/presentation/2.3/rec-1'));
    await bucket.put('playback/presentation/2.3/index.html', '<html>player</html>');
    await bucket.put('playback/presentation/2.3/static/js/main.js', 'js');
    const page = await get('/playback/presentation/2.3/rec-1?t=10');
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<html>player</html>');
    const js = await get('/playback/presentation/2.3/static/js/main.js', PUBLIC);
    expect(js.headers.get('location')).toBe('https://cdn.example.com/playback/presentation/2.3/static/js/main.js');
  });

  it('serves text tracks of open recordings', async () => {
    await bucket.put('texttracks/rec-1/subtitles_en.vtt', 'WEBVTT');
    const res = await get('/texttracks/rec-1/subtitles_en.vtt');
    expect(res.status).toBe(302);
    expect(await (await get(res.headers.get('location')!)).text()).toBe('WEBVTT');
    await expectNotFoundPage(get('/texttracks/rec-1/..%2Fsecret.vtt'));
  });
});

/**
 * What a browser does with an answer under `X-Content-Type-Options: nosniff` (Fetch, "should
 * response to request be blocked due to nosniff", and HTML's navigation): a script runs only with
 * a JavaScript MIME type, a stylesheet applies only as text/css, a page renders only as HTML, an
 * image, font or medium loads only with its own kind of type. Independent of src/'s mapping.
 */
const ACCEPTED: Record<string, (essence: string) => boolean> = {
  document: (t) => t === 'text/html',
  script: (t) => ['text/javascript', 'application/javascript'].includes(t),
  style: (t) => t === 'text/css',
  image: (t) => t.startsWith('image/'),
  font: (t) => t.startsWith('font/'),
  media: (t) => t.startsWith('video/') || t.startsWith('audio/'),
  data: (t) => t === 'application/json' || t === 'application/xml' || t === 'text/xml',
};

async function fetchLikeBrowser(path: string): Promise<Response> {
  let res = await get(path);
  for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 3; hops++) res = await get(new URL(res.headers.get('location')!, BASE).toString());
  return res;
}

describe('content types of files stored without one (wrangler r2 object put without --content-type)', () => {
  const cases: [path: string, key: string, destination: keyof typeof ACCEPTED, type: string][] = [
    ['/playback/presentation/2.3/rec-1', 'playback/presentation/2.3/index.html', 'document', 'text/html'],
    ['/playback/presentation/2.3/static/js/main.1a2b.js', 'playback/presentation/2.3/static/js/main.1a2b.js', 'script', 'text/javascript'],
    ['/playback/presentation/2.3/static/css/main.1a2b.css', 'playback/presentation/2.3/static/css/main.1a2b.css', 'style', 'text/css'],
    ['/playback/presentation/2.3/static/media/roboto.woff2', 'playback/presentation/2.3/static/media/roboto.woff2', 'font', 'font/woff2'],
    ['/playback/presentation/2.3/static/media/logo.svg', 'playback/presentation/2.3/static/media/logo.svg', 'image', 'image/svg+xml'],
    ['/playback/presentation/2.3/locales/en.json', 'playback/presentation/2.3/locales/en.json', 'data', 'application/json'],
    ['/presentation/rec-1/metadata.xml', 'published/presentation/rec-1/metadata.xml', 'data', 'application/xml'],
    ['/presentation/rec-1/shapes.svg', 'published/presentation/rec-1/shapes.svg', 'image', 'image/svg+xml'],
    ['/presentation/rec-1/presentation/d1/slide-1.png', 'published/presentation/rec-1/presentation/d1/slide-1.png', 'image', 'image/png'],
    ['/presentation/rec-1/video/webcams.webm', 'published/presentation/rec-1/video/webcams.webm', 'media', 'video/webm'],
    ['/video/rec-1/video-0.mp4', 'published/video/rec-1/video-0.mp4', 'media', 'video/mp4'],
    ['/video/rec-1/', 'published/video/rec-1/index.html', 'document', 'text/html'],
  ];

  it('each answers with the type of its extension and nosniff, so a browser renders or runs it', async () => {
    for (const [, key] of cases) await bucket.put(key, `bytes of ${key}`);
    for (const [path, key, destination, type] of cases) {
      const res = await fetchLikeBrowser(path);
      expect(res.status, path).toBe(200);
      expect(new TextDecoder().decode(await res.arrayBuffer()), path).toBe(`bytes of ${key}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const essence = res.headers.get('content-type')?.split(';')[0]!.trim().toLowerCase() ?? '';
      expect(essence, path).toBe(type);
      expect(ACCEPTED[destination]!(essence), `${path} as ${destination}`).toBe(true);
    }
  });

  it('an unknown extension is application/octet-stream; a type stored with the object is kept', async () => {
    await bucket.put('published/presentation/rec-1/notes.xyz', 'x');
    await bucket.put('published/presentation/rec-1/events.xml', '<x/>', { httpMetadata: { contentType: 'text/xml; charset=utf-8' } });
    await bucket.put('playback/presentation/2.3/index.html', '<html>player</html>', { httpMetadata: { contentType: 'text/html; charset=iso-8859-1' } });
    expect((await fetchLikeBrowser('/presentation/rec-1/notes.xyz')).headers.get('content-type')).toBe('application/octet-stream');
    expect((await fetchLikeBrowser('/presentation/rec-1/events.xml')).headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect((await fetchLikeBrowser('/playback/presentation/2.3/rec-1')).headers.get('content-type')).toBe('text/html; charset=iso-8859-1');
  });
});

describe('the presentation player\'s captions', () => {
  it('merge uploaded text tracks into captions.json and serve them as caption_<locale>.vtt', async () => {
    await putFiles('published', 'presentation', 'rec-1', {
      'captions.json': JSON.stringify([{ locale: 'en', localeName: 'English (recorded)' }, { locale: 'de', localeName: 'Deutsch' }]),
      'caption_de.vtt': 'WEBVTT recorded de',
    });
    const own = await get('/presentation/rec-1/captions.json');
    expect(own.status).toBe(302);
    await bucket.put('texttracks/rec-1/subtitles_en.vtt', 'WEBVTT uploaded en', { customMetadata: { kind: 'subtitles', lang: 'en', label: 'English', source: 'upload' } });
    const merged = await get('/presentation/rec-1/captions.json');
    expect(merged.status).toBe(200);
    expect(await merged.json()).toEqual([{ locale: 'de', localeName: 'Deutsch' }, { locale: 'en', localeName: 'English' }]);
    const en = await get('/presentation/rec-1/caption_en.vtt');
    expect(await (await get(en.headers.get('location')!)).text()).toBe('WEBVTT uploaded en');
    const de = await get('/presentation/rec-1/caption_de.vtt');
    expect(de.headers.get('location')).toContain('/recording-files/published/presentation/rec-1/caption_de.vtt?');
  });
});

describe('what is not played', () => {
  it('unknown, unpublished, deleted and other tenants\' recordings, unknown formats of a recording', async () => {
    await seed({ recordID: 'unpub', state: 'unpublished' });
    await seed({ recordID: 'gone', state: 'deleted' });
    await seed({ recordID: 'theirs', tenant: 'other' });
    for (const id of ['nope', 'unpub', 'gone', 'theirs']) await expectNotFoundPage(get(`/presentation/${id}/metadata.xml`));
    await expectNotFoundPage(get('/podcast/rec-1/audio.ogg'));
    await expectNotFoundPage(get('/recording/nope/presentation'));
  });

  it('a recording unpublished through the API', async () => {
    expect((await get('/presentation/rec-1/metadata.xml')).status).toBe(302);
    await recordingsXml(bbb('publishRecordings', { recordID: 'rec-1', publish: 'false' }));
    await expectNotFoundPage(get('/presentation/rec-1/metadata.xml'));
  });

  it('paths that step outside the recording, and everything when RECORDING_DISABLED', async () => {
    // URL parsing resolves encoded dot segments before the Worker sees them: nothing to serve there.
    expect(await (await get('/presentation/rec-1/%2e%2e/%2e%2e/unpublished/presentation/rec-1/x')).text()).toContain('unsupportedRequest');
    for (const path of ['/presentation/rec-1/..%2F..%2Funpublished', '/presentation/rec-1/a%2Fb', '/presentation/rec-1/a%5Cb', '/presentation/rec-1/a%00b', '/presentation/rec-1//x', '/presentation/rec-1/%E0%A4%A']) {
      await expectNotFoundPage(get(path));
    }
    await expectNotFoundPage(get('/presentation/rec-1/metadata.xml', { ...LOCAL, RECORDING_DISABLED: 'true' }));
  });

  it('a malformed RECORDINGS_PUBLIC_URL is a configuration error, not a broken redirect', async () => {
    const res = await get('/presentation/rec-1/metadata.xml', { ...LOCAL, RECORDINGS_PUBLIC_URL: 'cdn.example.com' });
    const text = await res.text();
    expect(text).toContain('<messageKey>internalError</messageKey>');
    expect(text).not.toContain('cdn.example.com');
  });

  it('leaves paths of unconfigured formats to the BBB catch-all', async () => {
    const res = await get('/nonsense/rec-1/file');
    expect(await res.text()).toContain('<messageKey>unsupportedRequest</messageKey>');
    const narrowed = await get('/podcast/rec-1/audio.ogg', { ...LOCAL, RECORDING_PLAYBACK_FORMATS: 'presentation:video' });
    expect(await narrowed.text()).toContain('unsupportedRequest');
  });
});

describe('storage modes', () => {
  it('open recordings go to RECORDINGS_PUBLIC_URL, key segments encoded', async () => {
    const res = await get('/presentation/rec-1/slides/s%201.png', PUBLIC);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://cdn.example.com/published/presentation/rec-1/slides/s%201.png');
  });

  it('protected recordings get a presigned R2 URL, never the public one', async () => {
    await seed({ recordID: 'sec', protected: true });
    await putFiles('published', 'presentation', 'sec', { 'metadata.xml': 'x' });
    const env = { ...PROTECTED, ...PUBLIC, ...S3 };
    const link = (await recordingsXml(bbb('getRecordings', { recordID: 'sec' }, { env }))).list[0].playback.format[0].url as string;
    const opened = await get(link, env);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const res = await get('/presentation/sec/metadata.xml', env, { Cookie: cookie });
    const url = new URL(res.headers.get('location')!);
    expect(url.origin + url.pathname).toBe('https://acct123.r2.cloudflarestorage.com/recs/published/presentation/sec/metadata.xml');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/auto\/s3\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.toString()).not.toContain('not-a-real-secret');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    // The checker itself against AWS's published presigned-URL example.
    const aws = new URL(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
    expect(await sigV4Matches(aws, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true);
    expect(await sigV4Matches(url, 'not-a-real-secret')).toBe(true);
    // A key with a space is signed over its single encoding, as S3 and R2 expect.
    await putFiles('published', 'presentation', 'sec', { 'slides/s 1.png': 'x' });
    const spaced = new URL((await get('/presentation/sec/slides/s%201.png', env, { Cookie: cookie })).headers.get('location')!);
    expect(spaced.pathname).toBe('/recs/published/presentation/sec/slides/s%201.png');
    expect(await sigV4Matches(spaced, 'not-a-real-secret')).toBe(true);
    expect(await sigV4Matches(spaced, 'another-secret')).toBe(false);
    // Open recordings still use the public URL; without one, a presigned URL.
    expect((await get('/presentation/rec-1/metadata.xml', env)).headers.get('location')).toMatch(/^https:\/\/cdn\.example\.com\//);
    expect((await get('/presentation/rec-1/metadata.xml', { ...S3 })).headers.get('location')).toMatch(/^https:\/\/acct123\.r2\.cloudflarestorage\.com\/recs\//);
  });
});

describe('protected recordings', () => {
  beforeEach(async () => {
    await seed({ recordID: 'sec', protected: true, formats: [{ format: 'presentation', url: '/playback/presentation/2.3/sec' }, { format: 'video', url: '/playback/video/sec/' }] });
    await putFiles('published', 'presentation', 'sec', { 'metadata.xml': 'secret' });
    await putFiles('published', 'video', 'sec', { 'index.html': '<html>secret video</html>' });
  });
  const links = async (env: Record<string, string> = PROTECTED) => {
    const [r] = (await recordingsXml(bbb('getRecordings', { recordID: 'sec' }, { env }))).list;
    return Object.fromEntries(r.playback.format.map((f: { type: string; url: string }) => [f.type, f.url])) as Record<string, string>;
  };

  it('a one-time link sets a host-only cookie scoped to the recording and format, once', async () => {
    await expectNotFoundPage(get('/presentation/sec/metadata.xml', PROTECTED));
    const { presentation } = await links();
    const opened = await get(presentation!, PROTECTED);
    expect(opened.status).toBe(307);
    expect(opened.headers.get('location')).toBe(`${BASE}/playback/presentation/2.3/sec`);
    const setCookie = opened.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^recording_presentation_sec=\d+\.[0-9a-f]{64}; Path=\/presentation\/sec; Max-Age=21600; HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toContain('Domain');
    const cookie = setCookie.split(';')[0]!;
    // Single use.
    await expectNotFoundPage(get(presentation!, PROTECTED));
    const file = await get('/presentation/sec/metadata.xml', PROTECTED, { Cookie: `other=1; ${cookie}` });
    expect(file.status).toBe(302);
    expect(await (await get(file.headers.get('location')!, PROTECTED)).text()).toBe('secret');
    // Not for another format or recording.
    await expectNotFoundPage(get('/video/sec/', PROTECTED, { Cookie: cookie.replace('presentation', 'video') }));
    await seed({ recordID: 'sec2', protected: true });
    await expectNotFoundPage(get('/presentation/sec2/metadata.xml', PROTECTED, { Cookie: cookie.replace('_sec=', '_sec2=') }));
  });

  it('is single-use under concurrency and scoped to its format', async () => {
    const { presentation, video } = await links();
    const results = await Promise.all(Array.from({ length: 5 }, () => get(presentation!, PROTECTED)));
    expect(results.filter((r) => r.status === 307)).toHaveLength(1);
    // A video link does not open the presentation.
    await expectNotFoundPage(get(video!.replace('/video?', '/presentation?'), PROTECTED));
    const opened = await get(video!, PROTECTED);
    expect(opened.headers.get('location')).toBe(`${BASE}/playback/video/sec/`);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie.startsWith('recording_video_sec=')).toBe(true);
    const page = await get('/video/sec/', PROTECTED, { Cookie: cookie });
    expect(await page.text()).toBe('<html>secret video</html>');
  });

  it('refuses expired, tampered and missing tokens and forged cookies', async () => {
    const past = String(Math.floor(Date.now() / 1000) - 1);
    const nonce = 'a'.repeat(32);
    await expectNotFoundPage(get(`/recording/sec/presentation?token=${past}.${nonce}.${await hmac(['link', 'default', 'sec', 'presentation', past, nonce])}`, PROTECTED));
    const future = String(Math.floor(Date.now() / 1000) + 600);
    const good = `${future}.${nonce}.${await hmac(['link', 'default', 'sec', 'presentation', future, nonce])}`;
    // Tampered: the last hex digit changed (to 1 when it was 0, so it always differs).
    await expectNotFoundPage(get(`/recording/sec/presentation?token=${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`, PROTECTED));
    await expectNotFoundPage(get('/recording/sec/presentation', PROTECTED));
    await expectNotFoundPage(get(`/recording/sec/video?token=${good}`, PROTECTED));
    expect((await get(`/recording/sec/presentation?token=${good}`, PROTECTED)).status).toBe(307);
    const expiredCookie = `recording_presentation_sec=${past}.${await hmac(['access', 'default', 'sec', 'presentation', past])}`;
    await expectNotFoundPage(get('/presentation/sec/metadata.xml', PROTECTED, { Cookie: expiredCookie }));
    await expectNotFoundPage(get('/presentation/sec/metadata.xml', PROTECTED, { Cookie: `recording_presentation_sec=${future}.${'f'.repeat(64)}` }));
    const forgedScope = `recording_presentation_sec=${future}.${await hmac(['access', 'default', 'rec-1', 'presentation', future])}`;
    await expectNotFoundPage(get('/presentation/sec/metadata.xml', PROTECTED, { Cookie: forgedScope }));
  });

  it('is served openly when PROTECTED_RECORDINGS_ENABLED is off (Scalelite); its text tracks only through the player with the cookie', async () => {
    expect((await get('/presentation/sec/metadata.xml', LOCAL)).status).toBe(302);
    await bucket.put('texttracks/sec/subtitles_en.vtt', 'WEBVTT secret', { customMetadata: { lang: 'en', label: 'English' } });
    await expectNotFoundPage(get('/texttracks/sec/subtitles_en.vtt', PROTECTED));
    await expectNotFoundPage(get('/presentation/sec/caption_en.vtt', PROTECTED));
    const { presentation } = await links();
    const cookie = (await get(presentation!, PROTECTED)).headers.get('set-cookie')!.split(';')[0]!;
    const vtt = await get('/presentation/sec/caption_en.vtt', PROTECTED, { Cookie: cookie });
    expect(await (await get(vtt.headers.get('location')!, PROTECTED)).text()).toBe('WEBVTT secret');
  });

  it('sets Secure; SameSite=None over HTTPS', async () => {
    const { presentation } = await links();
    const res = await send(new Request(presentation!.replace('http://', 'https://'), { redirect: 'manual' }), PROTECTED);
    expect(res.headers.get('set-cookie')).toContain('HttpOnly; Secure; SameSite=None');
  });
});
