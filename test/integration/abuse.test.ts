import { beforeEach, describe, expect, it } from 'vitest';
import { BASE, counters, encode, hex, registerServers, resetAll, send, SECRET, startCounting, xml, type Xml } from './support';

const LIMITED = { CHECKSUM_FAILURE_LIMIT: '3', CHECKSUM_FAILURE_WINDOW: '2' };

/** A BBB call from one client address (CF-Connecting-IP), signed right or wrong. */
async function from(ip: string | null, call: string, params: Record<string, string>, o: { wrong?: boolean; env?: Record<string, string> } = {}) {
  const query = encode(params);
  const checksum = await hex('sha256', call + query + (o.wrong ? 'not-the-secret' : SECRET));
  const headers: Record<string, string> = ip ? { 'CF-Connecting-IP': ip } : {};
  return send(new Request(`${BASE}/bigbluebutton/api/${call}?${query}&checksum=${checksum}`, { headers, redirect: 'manual' }), o.env ?? LIMITED);
}

const running = (ip: string | null, o: { wrong?: boolean; env?: Record<string, string> } = {}) =>
  from(ip, 'isMeetingRunning', { meetingID: 'abuse-1' }, o);

async function burst(ip: string | null, n: number, env?: Record<string, string>): Promise<Xml[]> {
  const out: Xml[] = [];
  for (let i = 0; i < n; i++) out.push(await xml(running(ip, { wrong: true, ...(env ? { env } : {}) })));
  return out;
}

beforeEach(resetAll);

describe('wrong checksums are rate-limited per client', () => {
  it('after the limit, a burst answers tooManyChecksumErrors with Retry-After, even with a right checksum, until the window ends', async () => {
    const answers = await burst('198.51.100.1', 5);
    expect(answers.map((a) => a.messageKey)).toEqual(['checksumError', 'checksumError', 'checksumError', 'tooManyChecksumErrors', 'tooManyChecksumErrors']);
    expect(answers[4]).toMatchObject({ returncode: 'FAILED', message: expect.stringContaining('wrong checksum') });

    const refused = await running('198.51.100.1');
    expect(refused.status).toBe(200);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('Retry-After'))).toBeLessThanOrEqual(2);
    expect((await xml(refused)).messageKey).toBe('tooManyChecksumErrors');

    await new Promise((r) => setTimeout(r, 2100));
    expect(await xml(running('198.51.100.1'))).toMatchObject({ returncode: 'SUCCESS', running: 'false' });
    expect((await xml(running('198.51.100.1', { wrong: true }))).messageKey).toBe('checksumError');
  });

  it('a refused client costs no Redis round trip; a counted failure costs one', async () => {
    await burst('198.51.100.2', 4);
    await startCounting();
    expect((await xml(running('198.51.100.2', { wrong: true }))).messageKey).toBe('tooManyChecksumErrors');
    expect((await counters()).redis).toBe(0);
    await startCounting();
    expect((await xml(running('198.51.100.3', { wrong: true }))).messageKey).toBe('checksumError');
    expect((await counters()).redis).toBe(1);
  });

  it('a well-behaved client in parallel is never affected, and its valid calls cost what they always cost', async () => {
    await registerServers(1);
    expect(await xml(from('203.0.113.7', 'create', { meetingID: 'abuse-1', name: 'Room', moderatorPW: 'mp' }))).toMatchObject({ returncode: 'SUCCESS' });
    // Warms the isolate's server cache, as meetings.test.ts does before counting.
    await xml(running('203.0.113.7'));
    const [abuser] = await Promise.all([
      burst('198.51.100.4', 6),
      (async () => {
        for (let i = 0; i < 6; i++) expect((await xml(running('203.0.113.7'))).returncode).toBe('SUCCESS');
      })(),
    ]);
    expect(abuser.at(-1)!.messageKey).toBe('tooManyChecksumErrors');

    await startCounting();
    const join = await from('203.0.113.7', 'join', { meetingID: 'abuse-1', fullName: 'A', password: 'mp' });
    expect(join.status).toBe(302);
    expect(await counters()).toEqual({ redis: 1, postgres: 0 });
  });

  it('requests without CF-Connecting-IP share one local client', async () => {
    await burst(null, 4);
    expect((await xml(running(null))).messageKey).toBe('tooManyChecksumErrors');
    expect((await xml(running('198.51.100.5'))).returncode).toBe('SUCCESS');
  });

  it('calls for an unknown tenant (multitenancy) count as wrong checksums', async () => {
    const unknownTenant = (ip: string) =>
      send(
        new Request(`http://nosuchtenant.lb.example.com/bigbluebutton/api/getMeetings?checksum=${'0'.repeat(40)}`, { headers: { 'CF-Connecting-IP': ip } }),
        { ...LIMITED, MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com' },
      );
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push((await xml(unknownTenant('198.51.100.7'))).messageKey);
    expect(keys).toEqual(['checksumError', 'checksumError', 'checksumError', 'tooManyChecksumErrors', 'tooManyChecksumErrors']);
  });

  it('CHECKSUM_FAILURE_LIMIT=0 turns the limit off without counting, and lifts blocks already learned', async () => {
    const off = { CHECKSUM_FAILURE_LIMIT: '0' };
    await startCounting();
    const answers = await burst('198.51.100.6', 5, off);
    expect(answers.every((a) => a.messageKey === 'checksumError')).toBe(true);
    expect((await counters()).redis).toBe(0);
    await burst('198.51.100.8', 4);
    expect((await xml(running('198.51.100.8', { env: off }))).returncode).toBe('SUCCESS');
  });
});
