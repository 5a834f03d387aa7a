/**
 * The open-data per-address limit's judgement (server/limits/address-limit.ts): the previous fixed
 * window weighted by how much of it is still within the last window, plus the current one, and a
 * Retry-After after which a request fits again. The counting itself runs against PostgreSQL in
 * the /ogc and download tests.
 */
import { describe, expect, it } from 'vitest';
import { judge } from '../../server/limits/address-limit.js';

describe('judge', () => {
  it('allows max requests in a window and refuses the next until the window ends', () => {
    for (let n = 1; n <= 3; n++) expect(judge({ current: n, previous: 0, elapsedSeconds: 10 }, 3, 60).ok).toBe(true);
    const refused = judge({ current: 4, previous: 0, elapsedSeconds: 10 }, 3, 60);
    // 50 s to the window's end; then the 3 of this window weigh (1 - t/60) * 3 + 1 <= 3 at t = 20 s.
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 70 });
  });

  it('slides: the previous window counts for the part of it still within the last minute', () => {
    // 6 s into the window, 90% of the previous one is still within the last minute: 2.7 + 1 > 3.
    expect(judge({ current: 1, previous: 3, elapsedSeconds: 6 }, 3, 60)).toEqual({ ok: false, retryAfterSeconds: 14 });
    // What Retry-After promised holds: at 6 + 14 s two thirds are left, 2 + 1 <= 3; a second earlier, not yet.
    expect(judge({ current: 1, previous: 3, elapsedSeconds: 20 }, 3, 60).ok).toBe(true);
    expect(judge({ current: 1, previous: 3, elapsedSeconds: 19 }, 3, 60).ok).toBe(false);
  });

  it('waits at least a second', () => {
    expect(judge({ current: 2, previous: 2, elapsedSeconds: 59.9 }, 2, 60)).toMatchObject({ ok: false });
    expect((judge({ current: 2, previous: 2, elapsedSeconds: 59.9 }, 2, 60) as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
