/**
 * A per-address request limit as Express middleware for the open-data surfaces (/ogc, downloads),
 * counted in PostgreSQL (rate-counters.queries.ts), so every app server sees the same counts and
 * a crawler's page costs one short upsert. The window slides the usual way for counters: the
 * previous fixed window's count, weighted by how much of it still lies within the last
 * `windowSeconds`, plus the current one's. Refused requests go to the error handler as
 * RateLimited (with Retry-After), so /ogc answers in the OGC exception shape and the downloads
 * with their own page.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/knex.js';
import { RateLimited } from '../http/errors.js';
import { countHit, uncountHit, type WindowCounts } from './rate-counters.queries.js';

export type AddressLimit = { name: string; max: number; windowSeconds: number };

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Whether a request counted as `counts` (this one included) keeps within `max`, and if not, after
 * how many seconds the weighted count without it will have room again.
 */
export function judge(counts: WindowCounts, max: number, windowSeconds: number): Verdict {
  const { current, previous, elapsedSeconds } = counts;
  const share = Math.max(0, 1 - elapsedSeconds / windowSeconds);
  if (previous * share + current <= max) return { ok: true };
  const before = current - 1; // the others of this window, without the refused request
  // Room comes when previous * (1 - t / w) + before <= max - 1, or, at the latest, once this
  // window's own count alone (weighted as the previous one next window) leaves room.
  const untilRoom = before <= max - 1 && previous > 0
    ? windowSeconds * (1 - (max - 1 - before) / previous) - elapsedSeconds
    : windowSeconds - elapsedSeconds + windowSeconds * Math.max(0, 1 - (max - 1) / Math.max(before, 1));
  // (less a hair, so that 14.000000000000004 s of float arithmetic says 14)
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(untilRoom - 1e-9)) };
}

export function limitPerAddress(db: Db, limit: AddressLimit): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const key = `${limit.name}:${req.ip ?? 'unknown'}`;
    countHit(db, key, limit.windowSeconds)
      .then(async (counts) => {
        const verdict = judge(counts, limit.max, limit.windowSeconds);
        if (verdict.ok) return next();
        await uncountHit(db, key, limit.windowSeconds);
        next(new RateLimited(verdict.retryAfterSeconds));
      })
      .catch(next);
  };
}
