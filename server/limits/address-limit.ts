/**
 * A per-address request limit as Express middleware for the open-data surfaces (/ogc, downloads),
 * counted in this process's memory. These limits guard against a crawler, not against abuse of an
 * account: a PostgreSQL row and commit per request (the limiter of rate-limit.queries.ts) cost a
 * crawler's 1,000-feature page more than its JSON did, and nothing here needs a hit given back in
 * a rollback. The window is the same sliding window that limiter counts: a request is refused
 * while `max` hits lie within the last `windowSeconds`, with Retry-After when the oldest of them
 * expires. Every request the server process handles goes through the one counter of its app.
 * Several app servers behind a balancer count apart (each allows `max`): put the limit in the
 * balancer then. Refused requests go to the error handler as RateLimited, so /ogc answers in the
 * OGC exception shape and the downloads with their own page.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimited } from '../http/errors.js';

export type AddressLimit = { max: number; windowSeconds: number };

export type HitCounter = {
  /** Takes a hit for `key` at `now` (ms) when fewer than `max` lie in the window; else how long to wait. */
  take(key: string, now?: number): { ok: true } | { ok: false; retryAfterSeconds: number };
  /** Keys holding hits (for tests: forgotten keys really go). */
  size(): number;
};

/**
 * The hits of each key in the window, oldest first, at most `max` of them: memory follows the
 * requests actually made in one window, and a key whose hits have all expired is dropped by the
 * sweep that runs at most once a window.
 */
export function hitCounter(max: number, windowSeconds: number): HitCounter {
  const windowMs = windowSeconds * 1000;
  const hits = new Map<string, number[]>();
  let sweptAt = 0;
  const expire = (list: number[], now: number) => {
    let stale = 0;
    while (stale < list.length && list[stale]! <= now - windowMs) stale += 1;
    if (stale) list.splice(0, stale);
  };
  return {
    take(key, now = Date.now()) {
      if (now - sweptAt >= windowMs) {
        sweptAt = now;
        for (const [k, list] of hits) if ((list.at(-1) ?? 0) <= now - windowMs) hits.delete(k);
      }
      let list = hits.get(key);
      if (!list) hits.set(key, (list = []));
      expire(list, now);
      if (list.length >= max) {
        // The hit whose expiry makes room again: the max-th newest, the oldest kept.
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((list[list.length - max]! + windowMs - now) / 1000)) };
      }
      list.push(now);
      return { ok: true };
    },
    size: () => hits.size,
  };
}

export function limitPerAddress(limit: AddressLimit): RequestHandler {
  const counter = hitCounter(limit.max, limit.windowSeconds);
  return (req: Request, _res: Response, next: NextFunction) => {
    const result = counter.take(req.ip ?? 'unknown');
    next(result.ok ? undefined : new RateLimited(result.retryAfterSeconds));
  };
}
