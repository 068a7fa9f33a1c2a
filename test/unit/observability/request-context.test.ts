import { describe, expect, it } from 'vitest';
import { errors } from '../../../src/bbb/errors.js';
import { within } from '../../../src/observability/deadline.js';
import {
  annotate,
  currentRequest,
  noteApiCall,
  noteApiFailure,
  requestIdFor,
  withRequest,
  type RequestInfo,
} from '../../../src/observability/request-context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('accepts upstream ids of 8 to 128 letters, digits, dots, dashes and underscores', () => {
    for (const ok of ['abcdefgh', 'a'.repeat(128), '8c5e1b2a3f4d5e6f-AMS', '0af7651916cd43dd8448eb211c80319c', 'lms.trace_01-x']) {
      expect(requestIdFor(new Headers({ 'X-Request-ID': ok }))).toBe(ok);
    }
  });

  it('replaces anything else with a fresh UUID', () => {
    for (const bad of ['', 'abcdefg', 'a'.repeat(129), 'with space1', 'quote"inside', 'new\tline12', 'semi;colon;id', 'a/b/c/d/e/f']) {
      expect(requestIdFor(new Headers([['X-Request-ID', bad]])), bad).toMatch(UUID);
    }
    expect(requestIdFor(new Headers())).toMatch(UUID);
  });

  it('prefers X-Request-ID over CF-Ray', () => {
    expect(requestIdFor(new Headers({ 'X-Request-ID': 'upstream-01', 'CF-Ray': '8c5e1b2a3f4d5e6f-AMS' }))).toBe('upstream-01');
  });
});

describe('request context', () => {
  it('is visible across awaits inside the request, and nowhere outside', async () => {
    const info: RequestInfo = { id: 'req-00000001' };
    expect(currentRequest()).toBeUndefined();
    annotate({ tenant: 'ignored' });
    await withRequest(info, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentRequest()?.id).toBe('req-00000001');
      noteApiCall('create');
      annotate({ tenant: 't1', server: 's1' });
    });
    expect(info).toEqual({ id: 'req-00000001', call: 'create', messageKey: 'SUCCESS', tenant: 't1', server: 's1' });
    expect(currentRequest()).toBeUndefined();
  });

  it('records a BBB error by its messageKey and anything else as internalError', () => {
    const info: RequestInfo = { id: 'req-00000002' };
    withRequest(info, () => noteApiFailure(errors.checksumError()));
    expect(info.messageKey).toBe('checksumError');
    expect(info.error).toBeUndefined();
    withRequest(info, () => noteApiFailure(new TypeError('boom at https://node/api/create?checksum=abc')));
    expect(info).toMatchObject({ messageKey: 'internalError', error: 'TypeError: boom at https://node/api/create?…' });
  });

  it('keeps concurrent requests apart', async () => {
    const seen: string[] = [];
    const run = (id: string, ms: number) =>
      withRequest({ id }, async () => {
        await new Promise((r) => setTimeout(r, ms));
        seen.push(`${id}:${currentRequest()?.id}`);
      });
    await Promise.all([run('req-slow-0001', 5), run('req-fast-0001', 1)]);
    expect(seen.sort()).toEqual(['req-fast-0001:req-fast-0001', 'req-slow-0001:req-slow-0001']);
  });
});

describe('within', () => {
  it('passes a result or failure through, and rejects on its own once the time is up', async () => {
    await expect(within(50, Promise.resolve(7), 'x')).resolves.toBe(7);
    await expect(within(50, Promise.reject(new Error('no')), 'x')).rejects.toThrow('no');
    await expect(within(5, new Promise(() => undefined), 'redis')).rejects.toThrow('redis: no answer within 5 ms');
  });
});
