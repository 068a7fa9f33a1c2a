import { describe, expect, it } from 'vitest';
import { callNode } from '../../../src/bbb/client.js';

const NODE = { url: 'https://bbb1.example.com/bigbluebutton/api', secret: 'node-secret-0c1d2e3f' };
const OK = '<response><returncode>SUCCESS</returncode></response>';

function recording() {
  const seen: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return new Response(OK);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const opts = { algorithm: 'sha256' as const, connectTimeoutMs: 1000, responseTimeoutMs: 1000 };

describe('request id to the node', () => {
  it('goes as an X-Request-ID header, outside the signed query', async () => {
    const r = recording();
    await callNode(NODE, 'getMeetingInfo', [['meetingID', 'm']], { ...opts, requestId: 'req-abc-123', fetch: r.fetch });
    expect(r.seen[0]!.headers.get('x-request-id')).toBe('req-abc-123');
    expect(r.seen[0]!.url).not.toContain('req-abc-123');
  });

  it('sits beside the content type of a POST', async () => {
    const r = recording();
    const body = { contentType: 'application/xml', text: '<modules/>' };
    await callNode(NODE, 'create', [['meetingID', 'm']], { ...opts, body, requestId: 'req-abc-124', fetch: r.fetch });
    expect(r.seen[0]!.headers.get('x-request-id')).toBe('req-abc-124');
    expect(r.seen[0]!.headers.get('content-type')).toBe('application/xml');
  });

  it('is absent when there is no request (the poller)', async () => {
    const r = recording();
    await callNode(NODE, 'getMeetings', [], { ...opts, fetch: r.fetch });
    expect(r.seen[0]!.headers.has('x-request-id')).toBe(false);
  });
});
