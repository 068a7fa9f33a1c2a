import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';
import { expectedUsers, newMeetingReservation, serverLoad } from '../../../src/cluster/load';
import { parseServerTag, voiceBridgeCandidates } from '../../../src/cluster/placement';
import { applyParamPolicy } from '../../../src/tenancy/params';

const BASE_ENV = { DATABASE_URL: 'postgres://u:p@h/db', UPSTASH_REDIS_REST_URL: 'http://r', UPSTASH_REDIS_REST_TOKEN: 't', LOADBALANCER_SECRET: 's' };

describe('config', () => {
  it('names each missing or malformed setting, never its value', () => {
    expect(() => parseConfig({})).toThrow(/DATABASE_URL is missing.*UPSTASH_REDIS_REST_URL is missing.*UPSTASH_REDIS_REST_TOKEN is missing/);
    expect(() => parseConfig({ ...BASE_ENV, CONNECT_TIMEOUT: 'soon', VOICE_BRIDGE_LEN: '3' })).toThrow(/CONNECT_TIMEOUT must be a number.*VOICE_BRIDGE_LEN/);
    expect(() => parseConfig({ ...BASE_ENV, LOADBALANCER_SECRET: '' })).toThrow('LOADBALANCER_SECRET is missing');
    expect(() => parseConfig({ ...BASE_ENV, LOADBALANCER_CHECKSUM_ALGORITHM: 'MD5' })).toThrow(/LOADBALANCER_CHECKSUM_ALGORITHM/);
    try {
      parseConfig({ ...BASE_ENV, CONNECT_TIMEOUT: 'secret-looking-value' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-looking-value');
    }
  });

  it("reads Scalelite's names and defaults", () => {
    const cfg = parseConfig({ ...BASE_ENV, LOADBALANCER_SECRETS: 'a:b', DEFAULT_CREATE_PARAMS: 'record=false,welcome=Hi=there', JOIN_EXCLUDE_PARAMS: 'x, y' });
    expect(cfg.secrets).toEqual(['s', 'a', 'b']);
    expect(cfg.algorithms).toEqual(['sha1', 'sha256', 'sha384', 'sha512']);
    expect(cfg.nodeAlgorithm).toBe('sha256');
    expect(cfg.createParams.defaults).toEqual([['record', 'false'], ['welcome', 'Hi=there']]);
    expect(cfg.joinParams.exclude).toEqual(['x', 'y']);
    expect([cfg.connectTimeoutMs, cfg.responseTimeoutMs, cfg.healthyThreshold, cfg.unhealthyThreshold]).toEqual([5000, 10000, 1, 2]);
    // Set explicitly, the strongest accepted algorithm signs calls to nodes (Scalelite).
    expect(parseConfig({ ...BASE_ENV, LOADBALANCER_CHECKSUM_ALGORITHM: 'SHA1:SHA512' }).nodeAlgorithm).toBe('sha512');
  });
});

describe('MEETING_RECOVERY', () => {
  it('is on by default and reads on/off (and true/false)', () => {
    expect(parseConfig(BASE_ENV).meetingRecovery).toBe(true);
    expect(parseConfig({ ...BASE_ENV, MEETING_RECOVERY: 'off' }).meetingRecovery).toBe(false);
    expect(parseConfig({ ...BASE_ENV, MEETING_RECOVERY: 'ON' }).meetingRecovery).toBe(true);
    expect(() => parseConfig({ ...BASE_ENV, MEETING_RECOVERY: 'maybe' })).toThrow(/MEETING_RECOVERY/);
  });
});

describe('load', () => {
  const cfg = parseConfig(BASE_ENV).load;
  const now = 10_000_000;
  it('young meetings count at least LOAD_MIN_USER_COUNT users; breakouts are skipped; the multiplier scales', () => {
    const young = { participants: 3, videos: 2, createTime: now - 60_000, isBreakout: false };
    const old = { participants: 40, videos: 0, createTime: now - 3_600_000, isBreakout: false };
    const breakout = { participants: 5, videos: 5, createTime: now, isBreakout: true };
    expect(serverLoad([young], 1, cfg, now)).toBe(1 + 15 + 1);
    expect(serverLoad([old], 1, cfg, now)).toBe(41);
    expect(serverLoad([young, old, breakout], 2, cfg, now)).toBe(2 * (17 + 41));
    expect(newMeetingReservation(cfg, expectedUsers(undefined, cfg))).toBe(16);
  });

  it('a size hint (meta_bbb-meeting-size-hint) replaces LOAD_MIN_USER_COUNT as a young meeting\'s reservation', () => {
    expect(expectedUsers('40', cfg)).toBe(40);
    expect(expectedUsers('2', cfg)).toBe(2);
    for (const bad of ['', '0', '-3', '2.5', 'many', '1000000']) expect(expectedUsers(bad, cfg), bad).toBe(15);
    expect(newMeetingReservation(cfg, 40)).toBe(41);
    const young = { participants: 3, videos: 0, createTime: now - 60_000, isBreakout: false, expectedUsers: 40 };
    expect(serverLoad([young], 1, cfg, now)).toBe(1 + 40);
  });
});

describe('placement helpers', () => {
  it("parses Scalelite's tag syntax", () => {
    expect(parseServerTag(undefined)).toEqual({ tags: [], required: false });
    expect(parseServerTag('!')).toEqual({ tags: [], required: false });
    expect(parseServerTag('a;b!')).toEqual({ tags: ['a', 'b'], required: true });
    expect(parseServerTag(' gpu ')).toEqual({ tags: ['gpu'], required: false });
  });

  it('voice bridge candidates: deterministic, right length, first digit 1-9, preferred first', async () => {
    const a = await voiceBridgeCandidates('default:m1', 9);
    expect(a).toEqual(await voiceBridgeCandidates('default:m1', 9));
    expect(a).toHaveLength(10);
    expect(a.every((p) => /^[1-9]\d{8}$/.test(p))).toBe(true);
    expect((await voiceBridgeCandidates('default:m1', 5, '71234'))[0]).toBe('71234');
    expect(await voiceBridgeCandidates('default:m2', 9)).not.toEqual(a);
  });

  it("merges params in Scalelite's order", () => {
    const out = applyParamPolicy([['meetingID', 'm'], ['param1', 'client'], ['drop', '1'], ['checksum', 'x']], {
      defaults: [['param1', 'd'], ['param2', 'd']],
      overrides: [['param3', 'o']],
      exclude: ['drop'],
    });
    expect(out).toEqual([['param1', 'client'], ['param2', 'd'], ['meetingID', 'm'], ['param3', 'o']]);
  });
});

describe('describeError', () => {
  it('drops storage commands and URL queries from logged errors', async () => {
    const { describeError } = await import('../../../src/observability/log');
    const upstash = new Error('ERR wrong number of arguments, command was: ["evalsha","abc","0","secret-pw"]');
    expect(describeError(upstash)).toBe('Error: ERR wrong number of arguments');
    expect(describeError(new TypeError('fetch http://n/api/join?meetingID=a&checksum=abc failed'))).toBe('TypeError: fetch http://n/api/join?… failed');
  });
});
