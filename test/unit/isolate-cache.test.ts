import { afterEach, describe, expect, it, vi } from 'vitest';
import { IsolateCache } from '../../src/isolate-cache';
import { decodeTenantMirror, encodeTenantMirror } from '../../src/store/tenant-mirror';

const never = () => new Promise<string[]>(() => undefined);
const failing = () => Promise.reject(new Error('Postgres is down'));
const later = (rows: string[], ms: number) => () => new Promise<string[]>((r) => setTimeout(() => r(rows), ms));
const noWait = () => undefined;

describe('IsolateCache: a cold isolate', () => {
  afterEach(() => vi.useRealTimers());
  const cache = () => new IsolateCache((rows: string[]) => rows.join(','));

  it('uses Postgres when it answers within 2 s, without reading the mirror', async () => {
    vi.useFakeTimers();
    const mirror = vi.fn(async () => ['mirrored']);
    const got = cache().get(later(['fresh'], 1900), 5000, noWait, mirror);
    await vi.advanceTimersByTimeAsync(1900);
    expect(await got).toBe('fresh');
    expect(mirror).not.toHaveBeenCalled();
  });

  it('falls back to the mirror after 2 s of a silent Postgres, or at once when Postgres fails', async () => {
    vi.useFakeTimers();
    const slow = cache().get(never, 5000, noWait, async () => ['mirrored']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await slow).toBe('mirrored');
    expect(await cache().get(failing, 5000, noWait, async () => ['mirrored'])).toBe('mirrored');
  });

  it('counts a mirrored copy as stale: the next request refreshes it from Postgres in the background', async () => {
    const c = cache();
    await c.get(failing, 5000, noWait, async () => ['mirrored']);
    const refreshes: Promise<unknown>[] = [];
    expect(await c.get(async () => ['fresh'], 5000, (p) => refreshes.push(p))).toBe('mirrored');
    await Promise.all(refreshes);
    expect(await c.get(failing, 5000, noWait)).toBe('fresh');
  });

  it("without a mirror keeps waiting for Postgres, and fails with Postgres's error", async () => {
    vi.useFakeTimers();
    const slow = cache().get(later(['fresh'], 3000), 5000, noWait, async () => null);
    await vi.advanceTimersByTimeAsync(3000);
    expect(await slow).toBe('fresh');
    await expect(cache().get(failing, 5000, noWait, async () => null)).rejects.toThrow('Postgres is down');
  });
});

describe('IsolateCache: an admin change while a refresh is in flight', () => {
  it('neither keeps nor hands out rows read before invalidate()', async () => {
    const c = new IsolateCache((rows: string[]) => rows.join(','));
    await c.fresh(async () => ['before']);
    let answer!: (rows: string[]) => void;
    const inFlight = c.fresh(() => new Promise<string[]>((r) => (answer = r)));
    c.invalidate(); // the admin change commits while that read is still out
    const after = c.fresh(async () => ['after']);
    answer(['before']);
    expect(await inFlight).toBe('before');
    expect(await after).toBe('after');
    expect(await c.get(failing, 5000, noWait)).toBe('after');
  });
});

describe('tenant mirror format', () => {
  it('round-trips the rows and reads anything else as no mirror', () => {
    const rows = [{ id: 't1', name: 'alpha', enabled: false, secrets: ['s1', 's2'], settings: { serverTag: 'eu' } }];
    expect(decodeTenantMirror(encodeTenantMirror(rows))).toEqual(rows);
    for (const raw of [null, 'not json', '{}', '[["t1","alpha",true,[],{}]]']) expect(decodeTenantMirror(raw)).toBeNull();
  });
});
