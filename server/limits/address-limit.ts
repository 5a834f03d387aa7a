/**
 * A per-address request limit as Express middleware, counted in PostgreSQL with the limiter of
 * rate-limit.queries.ts (every app server sees the same counts). Refused requests are answered by
 * `refuse`, so /ogc can answer in the OGC exception shape and the downloads with their own page.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/knex.js';
import { RateLimited } from '../http/errors.js';
import { takeHits } from './rate-limit.queries.js';

export type AddressLimit = { name: string; max: number; windowSeconds: number };

export function limitPerAddress(db: Db, limit: AddressLimit): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const key = `${limit.name}:${req.ip ?? 'unknown'}`;
    db.transaction((trx) => takeHits(trx, [{ key, max: limit.max, windowSeconds: limit.windowSeconds }])).then(
      (result) => next(result.ok ? undefined : new RateLimited(result.retryAfterSeconds)),
      next,
    );
  };
}
