import { describe, expect, it } from 'vitest';
import { logPath } from '../../../src/observability/log-path.js';

describe('logged paths', () => {
  it('keeps ordinary paths as they are', () => {
    for (const p of ['/bigbluebutton/api/join', '/scalelite/api/getServers', '/health/ready', '/playback/presentation/2.3/0123456789abcdef0123456789abcdef01234567-1700000000000', '/']) {
      expect(logPath(p)).toBe(p);
    }
  });

  it('redacts token-like segments: JWTs and anything over 80 characters', () => {
    expect(logPath('/callbacks/end/eyJhbGciOiJIUzI1NiJ9.eyJtZWV0aW5nX2lkIjoibSJ9.c2lnbmF0dXJl')).toBe('/callbacks/end/[redacted]');
    expect(logPath(`/x/${'a'.repeat(81)}/y`)).toBe('/x/[redacted]/y');
    expect(logPath(`/x/${'a'.repeat(80)}`)).toBe(`/x/${'a'.repeat(80)}`);
  });

  it('redacts a short path with a JWT-shaped segment (under 80 characters, as the fast path sees it)', () => {
    expect(logPath('/callbacks/end/a.b.c')).toBe('/callbacks/end/[redacted]');
  });

  it('cuts long paths to 200 characters', () => {
    expect(logPath(`/${'abc/'.repeat(100)}`)).toHaveLength(200);
  });
});
