import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../support/bbb-sim/simulator';
import { control, parse, query, signed, type SimNodeInfo } from './helpers';

let sim: Simulator;
let node: SimNodeInfo;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 1 });
  node = sim.nodes[0]!;
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const getMeetings = (init?: RequestInit) => fetch(signed(node, 'getMeetings'), init);
const setFault = (body: Record<string, unknown>) => control(sim, 'POST', `/nodes/${node.id}/fault`, body);

async function networkError(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return e.cause?.code ?? e.name;
  }
  return undefined;
}

describe('faults', () => {
  it('timeout: accepts the connection and never answers, until cleared', async () => {
    expect((await setFault({ type: 'timeout' })).json).toEqual({ fault: { type: 'timeout' } });
    expect(await networkError(getMeetings({ signal: AbortSignal.timeout(300) }))).toBe('TimeoutError');
    await setFault({ type: 'none' });
    expect((await getMeetings()).status).toBe(200);
  });

  it('http500, http502 and html', async () => {
    await setFault({ type: 'http500' });
    const failed = await getMeetings();
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toContain('text/html');
    await setFault({ type: 'http502' });
    const gateway = await getMeetings();
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toContain('502 Bad Gateway');
    await setFault({ type: 'html' });
    const page = await getMeetings();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toMatch(/^<!DOCTYPE html>/);
  });

  it('malformed: XML that no parser accepts', async () => {
    await setFault({ type: 'malformed' });
    const res = await getMeetings();
    expect(res.headers.get('content-type')).toBe('text/xml;charset=utf-8');
    expect(XMLValidator.validate(await res.text())).not.toBe(true);
  });

  it('slow: the right answer, late; the work is done even if the client gives up', async () => {
    await setFault({ type: 'slow', delayMs: 400 });
    const started = Date.now();
    expect(parse(await (await getMeetings()).text())).toMatchObject({ returncode: 'SUCCESS' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    const create = fetch(signed(node, 'create', query({ name: 'Room', meetingID: 'late' })), { signal: AbortSignal.timeout(100) });
    expect(await networkError(create)).toBe('TimeoutError');
    expect(sim.node(node.id).meeting('late').meetingID).toBe('late');
  });

  it('refuse: ECONNREFUSED on the same port until cleared', async () => {
    await setFault({ type: 'refuse' });
    expect(await networkError(getMeetings())).toBe('ECONNREFUSED');
    expect((await control(sim, 'GET', `/nodes/${node.id}`)).json).toMatchObject({ listening: false, port: node.port });
    await setFault({ type: 'none' });
    expect((await getMeetings()).status).toBe(200);
    // reset() brings a refusing node back too.
    await setFault({ type: 'refuse' });
    await sim.reset();
    expect((await getMeetings()).status).toBe(200);
  });

  it.each([
    ['billionLaughs', ['<!ENTITY lol9 "&lol8;', '&lol9;'], ['SYSTEM']],
    ['externalEntity', ['<!ENTITY xxe SYSTEM "file:///etc/passwd">', '&xxe;'], ['&lol']],
    ['both', ['<!ENTITY lol9', '&lol9;', '<!ENTITY xxe SYSTEM', '&xxe;'], []],
  ])('hostile %s: a DOCTYPE with dangerous entities', async (variant, present, absent) => {
    await setFault({ type: 'hostile', variant });
    const body = await (await getMeetings()).text();
    expect(body).toContain('<!DOCTYPE response [');
    for (const text of present) expect(body).toContain(text);
    for (const text of absent) expect(body).not.toContain(text);
  });

  it('huge: a well-formed answer of the requested size, streamed', async () => {
    await setFault({ type: 'huge', sizeBytes: 3_000_000 });
    const res = await getMeetings();
    expect(res.headers.get('content-length')).toBeNull();
    const body = await res.text();
    expect(body.length).toBeGreaterThanOrEqual(3_000_000);
    expect(body.length).toBeLessThan(3_200_000);
    expect(XMLValidator.validate(body)).toBe(true);
    expect(body.startsWith('<response>\n<returncode>SUCCESS</returncode>\n<meetings>\n<meeting>')).toBe(true);
  });

  it('huge: a client that hangs up early does not keep the node busy', async () => {
    await setFault({ type: 'huge', sizeBytes: 500_000_000 });
    const res = await getMeetings();
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await setFault({ type: 'none' });
    expect((await getMeetings()).status).toBe(200);
  });

  it('noReturncode: the real answer without <returncode>', async () => {
    await setFault({ type: 'noReturncode' });
    const body = await (await getMeetings()).text();
    expect(body).not.toContain('returncode');
    expect(parse(body)).toMatchObject({ messageKey: 'noMeetings' });
  });

  it('can be limited to one call', async () => {
    await setFault({ type: 'http500', call: 'getMeetings' });
    expect((await getMeetings()).status).toBe(500);
    expect((await fetch(signed(node, 'isMeetingRunning', query({ meetingID: 'x' })))).status).toBe(200);
    expect((await fetch(node.url)).status).toBe(200);
    await setFault({ type: 'timeout', call: 'index' });
    expect(await networkError(fetch(node.url, { signal: AbortSignal.timeout(200) }))).toBe('TimeoutError');
    expect((await getMeetings()).status).toBe(200);
  });

  it('still logs the calls that hit a fault', async () => {
    await setFault({ type: 'http500' });
    await getMeetings();
    expect(sim.node(node.id).callLog().counts).toEqual({ getMeetings: 1 });
  });

  it('rejects bad fault requests with 400', async () => {
    for (const body of [{ type: 'explode' }, { type: 'slow', delayMs: -1 }, { type: 'refuse', call: 'getMeetings' },
      { type: 'http500', call: 'nope' }, { type: 'hostile', variant: 'x' }, { type: 'huge', sizeBytes: 'big' }]) {
      const res = await setFault(body);
      expect(res.status).toBe(400);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await control(sim, 'POST', `/nodes/${node.id}/fault`, '[1]')).status).toBe(400);
  });

  it('has defaults a test can read back', async () => {
    expect((await setFault({ type: 'slow' })).json.fault).toEqual({ type: 'slow', delayMs: 3000 });
    expect((await setFault({ type: 'huge' })).json.fault).toEqual({ type: 'huge', sizeBytes: 32 * 1024 * 1024 });
    expect((await setFault({ type: 'hostile' })).json.fault).toEqual({ type: 'hostile', variant: 'both' });
    expect((await setFault({ type: 'none' })).json).toEqual({ fault: null });
  });
});
