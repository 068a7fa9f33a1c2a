import { afterEach, describe, expect, it, vi } from 'vitest';
import { hexDigest, verifyChecksum } from '../../../src/bbb/checksum.js';
import {
  callNode,
  joinRedirectUrl,
  NodeCallError,
  signedUrl,
  type CallNodeOptions,
  type NodeTarget,
} from '../../../src/bbb/client.js';
import { readApiRequest } from '../../../src/bbb/request.js';

const SECRET = 'node-secret-8f3e2a1b9c';
const NODE: NodeTarget = { url: 'https://bbb1.example.com/bigbluebutton/api', secret: SECRET };
const OK_XML = '<?xml version="1.0"?>\n<response><returncode>SUCCESS</returncode><running>true</running></response>';

interface Seen {
  url: string;
  init: RequestInit | undefined;
}

/** A fetch stub answering `respond()` and recording what it was asked. */
function stub(respond: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, init });
    return respond(url, init);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const xml = (text: string, init?: ResponseInit) => () => new Response(text, init);

function opts(o: Partial<CallNodeOptions> = {}): CallNodeOptions {
  return { algorithm: 'sha256', connectTimeoutMs: 1000, responseTimeoutMs: 1000, ...o };
}

async function callError(p: Promise<unknown>): Promise<NodeCallError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NodeCallError);
  return e as NodeCallError;
}

/** A body stream that sends `first` (if any) and then never ends; records cancellation. */
function stallingBody(first?: string) {
  const state = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first !== undefined) controller.enqueue(new TextEncoder().encode(first));
    },
    pull: () => new Promise<void>(() => {}),
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

/** A body stream that never stops producing 64 KiB chunks; records how much was pulled. */
function endlessBody() {
  const chunk = new TextEncoder().encode('<response>' + 'x'.repeat(64 * 1024 - 10));
  const state = { pulls: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulls++;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('signedUrl', () => {
  it('appends call, Ruby-encoded query and the checksum last', async () => {
    const params = [
      ['meetingID', 'a b'],
      ['name', 'Zoë*~'],
    ] as const;
    const query = 'meetingID=a+b&name=Zo%C3%AB*%7E';
    const checksum = await hexDigest('sha256', 'create' + query + SECRET);
    const expected = `https://bbb1.example.com/bigbluebutton/api/create?${query}&checksum=${checksum}`;
    expect(await signedUrl(NODE, 'create', params, 'sha256')).toBe(expected);
    expect(await signedUrl({ ...NODE, url: NODE.url + '/' }, 'create', params, 'sha256')).toBe(expected);
  });

  it('signs an empty query', async () => {
    const checksum = await hexDigest('sha1', 'getMeetings' + SECRET);
    expect(await signedUrl(NODE, 'getMeetings', [], 'sha1')).toBe(
      `https://bbb1.example.com/bigbluebutton/api/getMeetings?checksum=${checksum}`,
    );
  });

  it('produces URLs a BBB node verifies', async () => {
    for (const alg of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      const url = new URL(await signedUrl(NODE, 'join', [['fullName', "O'Brien & Co (Zoë)"]], alg));
      const req = await readApiRequest(
        { method: 'GET', rawQuery: url.search.slice(1), contentType: null, body: async () => new ArrayBuffer(0) },
        { call: 'join', accepts: 'none', maxBodyBytes: 0 },
      );
      expect(req.params).toEqual([['fullName', "O'Brien & Co (Zoë)"]]);
      const ok = await verifyChecksum({
        call: 'join',
        checkString: req.checkString,
        checksum: req.checksum,
        secrets: [SECRET],
        allowed: [alg],
      });
      expect(ok).toBe(true);
    }
  });

  it('joinRedirectUrl is a signed join', async () => {
    const params = [['meetingID', 'm']] as const;
    expect(await joinRedirectUrl(NODE, params, 'sha512')).toBe(await signedUrl(NODE, 'join', params, 'sha512'));
  });
});

describe('callNode: answers', () => {
  it('GETs the signed URL and returns the parsed response', async () => {
    const s = stub(xml(OK_XML));
    const res = await callNode(NODE, 'isMeetingRunning', [['meetingID', 'm']], opts({ fetch: s.fetch }));
    expect(res).toEqual({ ok: true, returncode: 'SUCCESS', response: { returncode: 'SUCCESS', running: 'true' } });
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]!.url).toBe(await signedUrl(NODE, 'isMeetingRunning', [['meetingID', 'm']], 'sha256'));
    expect(s.seen[0]!.init?.method).toBe('GET');
    expect(s.seen[0]!.init?.body).toBeUndefined();
  });

  it('POSTs a body with its Content-Type', async () => {
    const s = stub(xml(OK_XML));
    const body = { contentType: 'application/xml', text: '<modules/>' };
    await callNode(NODE, 'insertDocument', [['meetingID', 'm']], opts({ fetch: s.fetch, body }));
    const init = s.seen[0]!.init!;
    expect(init.method).toBe('POST');
    expect(new Headers(init.headers).get('content-type')).toBe('application/xml');
    expect(init.body).toBe('<modules/>');
  });

  it('returns a FAILED answer with its messageKey and message, not an exception', async () => {
    const s = stub(
      xml(
        '<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>A meeting with that ID does not exist</message></response>',
      ),
    );
    const res = await callNode(NODE, 'getMeetingInfo', [['meetingID', 'x']], opts({ fetch: s.fetch }));
    expect(res.ok).toBe(false);
    expect(res.returncode).toBe('FAILED');
    expect(res.messageKey).toBe('notFound');
    expect(res.message).toBe('A meeting with that ID does not exist');
  });

  it('uses the global fetch by default', async () => {
    const s = stub(xml(OK_XML));
    vi.stubGlobal('fetch', s.fetch);
    expect((await callNode(NODE, 'getMeetings', [], opts())).ok).toBe(true);
    expect(s.seen).toHaveLength(1);
  });
});

describe('callNode: failures', () => {
  it('treats a non-2xx status as http, redirects included', async () => {
    for (const status of [500, 404, 302]) {
      const s = stub(xml(OK_XML, { status, headers: status === 302 ? { location: 'https://elsewhere/' } : {} }));
      const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch })));
      expect(err.kind).toBe('http');
      expect(err.status).toBe(status);
      expect(err.message).toBe(`getMeetings on bbb1.example.com: HTTP ${status}`);
    }
  });

  it('treats a rejected fetch as network', async () => {
    const s = stub(() => {
      throw new TypeError('fetch failed');
    });
    const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch })));
    expect(err.kind).toBe('network');
    expect(err.message).toContain('fetch failed');
  });

  it.each([
    ['an HTML page', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['plain text', 'Internal Server Error'],
    ['an empty body', ''],
    ['malformed XML', '<response><returncode>SUCCESS</returncode>'],
    ['hostile XML', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><response><returncode>&x;</returncode></response>'],
  ])('treats %s as invalid', async (_name, body) => {
    const s = stub(xml(body));
    const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch })));
    expect(err.kind).toBe('invalid');
  });

  it('needs a returncode, as Scalelite does', async () => {
    const s = stub(xml('<response><running>true</running></response>'));
    const err = await callError(callNode(NODE, 'isMeetingRunning', [], opts({ fetch: s.fetch })));
    expect(err.kind).toBe('invalid');
    expect(err.message).toBe('isMeetingRunning on bbb1.example.com: Response did not include returncode');
  });

  it('refuses a body that is not UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('<response><a>'), 0xff, ...new TextEncoder().encode('</a></response>')]);
    const s = stub(() => new Response(bytes));
    const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch })));
    expect(err.kind).toBe('invalid');
    expect(err.message).toMatch(/UTF-8/);
  });

  it('cuts off a huge body at maxBytes without reading it all', async () => {
    const body = endlessBody();
    const s = stub(() => new Response(body.stream));
    const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch, maxBytes: 1024 * 1024 })));
    expect(err.kind).toBe('invalid');
    expect(err.message).toMatch(/larger than 1048576 bytes/);
    expect(body.state.pulls).toBeLessThan(20);
    expect(body.state.cancelled).toBe(true);
  });

  it('refuses a declared Content-Length over maxBytes before reading', async () => {
    const body = stallingBody();
    const s = stub(() => new Response(body.stream, { headers: { 'content-length': String(10 * 1024 * 1024) } }));
    const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch })));
    expect(err.kind).toBe('invalid');
    expect(body.state.cancelled).toBe(true);
  });

  it('applies maxBytes to a complete answer too', async () => {
    const s = stub(xml(OK_XML));
    const err = await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch, maxBytes: 20 })));
    expect(err.kind).toBe('invalid');
  });
});

describe('callNode: timeouts', () => {
  it('gives up when headers do not arrive within connect + response timeouts, even if fetch ignores the signal', async () => {
    const s = stub(() => new Promise<Response>(() => {}));
    const started = Date.now();
    const err = await callError(
      callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch, connectTimeoutMs: 30, responseTimeoutMs: 40 })),
    );
    const elapsed = Date.now() - started;
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('getMeetings on bbb1.example.com: no response headers within 70 ms');
    expect(elapsed).toBeGreaterThanOrEqual(60);
    expect(elapsed).toBeLessThan(1000);
  });

  it('aborts the fetch through its signal', async () => {
    let signal: AbortSignal | undefined;
    const s = stub((_url, init) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>(() => {});
    });
    await callError(callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch, connectTimeoutMs: 10, responseTimeoutMs: 10 })));
    expect(signal?.aborted).toBe(true);
  });

  it('lets headers use both budgets together (Workers have no separate connect phase)', async () => {
    const s = stub(() => new Promise<Response>((resolve) => setTimeout(() => resolve(new Response(OK_XML)), 50)));
    const res = await callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch, connectTimeoutMs: 35, responseTimeoutMs: 35 }));
    expect(res.ok).toBe(true);
  });

  it('gives up at headersTimeoutMs when given (request-path calls: CONNECT_TIMEOUT alone)', async () => {
    const s = stub(() => new Promise<Response>(() => {}));
    const err = await callError(
      callNode(NODE, 'getMeetingInfo', [], opts({ fetch: s.fetch, connectTimeoutMs: 30, responseTimeoutMs: 5000, headersTimeoutMs: 30 })),
    );
    expect(err.message).toBe('getMeetingInfo on bbb1.example.com: no response headers within 30 ms');
  });

  it('gives up when the body is not complete within the response timeout', async () => {
    const body = stallingBody('<response><returncode>SUCC');
    const s = stub(() => new Response(body.stream));
    const started = Date.now();
    const err = await callError(
      callNode(NODE, 'getMeetings', [], opts({ fetch: s.fetch, connectTimeoutMs: 1000, responseTimeoutMs: 50 })),
    );
    const elapsed = Date.now() - started;
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('getMeetings on bbb1.example.com: no complete response body within 50 ms');
    expect(elapsed).toBeGreaterThanOrEqual(40);
    expect(elapsed).toBeLessThan(1000);
    expect(body.state.cancelled).toBe(true);
  });
});

describe('callNode: error messages never leak the secret, checksum or query', () => {
  const PARAMS = [
    ['meetingID', 'private-room'],
    ['moderatorPW', 'hunter2'],
  ] as const;

  async function leaks(respond: (url: string) => Response | Promise<Response>, o: Partial<CallNodeOptions> = {}) {
    const s = stub(respond);
    const err = await callError(callNode(NODE, 'create', PARAMS, opts({ fetch: s.fetch, ...o })));
    const url = s.seen[0]!.url;
    const query = url.slice(url.indexOf('?') + 1);
    const checksum = url.slice(url.indexOf('checksum=') + 9);
    for (const secret of [SECRET, checksum, query, url, 'hunter2', 'private-room']) {
      expect(err.message).not.toContain(secret);
      expect(String(err.stack)).not.toContain(secret);
    }
    expect(err.message).toMatch(/^create on bbb1\.example\.com: /);
    return err;
  }

  it('for network errors that quote the URL', async () => {
    const err = await leaks((url) => {
      throw new TypeError(`fetch failed for ${url} (secret ${SECRET})`);
    });
    expect(err.kind).toBe('network');
    expect(err.message).toContain('[redacted]');
  });

  it('for XML errors that quote the answer', async () => {
    const err = await leaks((url) => new Response(`<response><${SECRET}>${url}</wrong></response>`));
    expect(err.kind).toBe('invalid');
  });

  it('for http errors, timeouts and missing returncodes', async () => {
    expect((await leaks(() => new Response('nope', { status: 503 }))).kind).toBe('http');
    expect((await leaks(() => new Promise(() => {}), { connectTimeoutMs: 5, responseTimeoutMs: 5 })).kind).toBe('timeout');
    expect((await leaks((url) => new Response(`<response><echo>${url}</echo></response>`))).kind).toBe('invalid');
  });
});
