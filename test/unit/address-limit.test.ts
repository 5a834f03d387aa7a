/**
 * The open-data per-address limit (server/limits/address-limit.ts), counted in memory: the same
 * sliding window as the PostgreSQL limiter, with the clock passed in so that no test waits.
 */
import { describe, expect, it } from 'vitest';
import { hitCounter } from '../../server/limits/address-limit.js';

const T0 = 1_800_000_000_000;

describe('hitCounter', () => {
  it('allows max hits in the window, refuses the next, and says when the oldest expires', () => {
    const counter = hitCounter(3, 60);
    expect(counter.take('a', T0).ok).toBe(true);
    expect(counter.take('a', T0 + 10_000).ok).toBe(true);
    expect(counter.take('a', T0 + 20_000).ok).toBe(true);
    expect(counter.take('a', T0 + 30_000)).toEqual({ ok: false, retryAfterSeconds: 30 });
    // A refused request takes no hit: room comes back when the first hit leaves the window.
    expect(counter.take('a', T0 + 59_999)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(counter.take('a', T0 + 60_000).ok).toBe(true);
    expect(counter.take('a', T0 + 60_001)).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  it('slides rather than resetting on the minute', () => {
    const counter = hitCounter(2, 60);
    expect(counter.take('a', T0 + 50_000).ok).toBe(true);
    expect(counter.take('a', T0 + 59_000).ok).toBe(true);
    // A fixed window would start afresh at T0 + 60 s; two hits still lie within the last minute.
    expect(counter.take('a', T0 + 61_000)).toEqual({ ok: false, retryAfterSeconds: 49 });
    expect(counter.take('a', T0 + 110_000).ok).toBe(true);
  });

  it('counts each address apart', () => {
    const counter = hitCounter(1, 60);
    expect(counter.take('a', T0).ok).toBe(true);
    expect(counter.take('a', T0 + 1).ok).toBe(false);
    expect(counter.take('b', T0 + 2).ok).toBe(true);
  });

  it('forgets addresses whose hits have all expired', () => {
    const counter = hitCounter(5, 60);
    for (let i = 0; i < 100; i++) counter.take(`address-${i}`, T0 + i);
    expect(counter.size()).toBe(100);
    counter.take('late', T0 + 61_000);
    expect(counter.size()).toBe(1);
  });
});
