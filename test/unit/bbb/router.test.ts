import { RegExpRouter } from 'hono/router/reg-exp-router';
import { describe, expect, it } from 'vitest';
import { bbbApi } from '../../../src/api/router';

describe('BBB API routes', () => {
  // The hot path: Hono's SmartRouter falls back to its slower TrieRouter when RegExpRouter cannot
  // take every route (a parameter beside static segments, as `/:call` beside `/join`).
  it('all fit RegExpRouter', () => {
    const router = new RegExpRouter<number>();
    bbbApi.routes.forEach((r, i) => router.add(r.method, `/bigbluebutton/api${r.path}`, i));
    const [handlers] = router.match('GET', '/bigbluebutton/api/join');
    expect(handlers.length).toBeGreaterThan(0);
  });
});
