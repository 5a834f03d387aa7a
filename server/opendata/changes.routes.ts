/**
 * GET /api/changes?since=<cursor>&limit=: the public change feed, for systems that stay in step
 * (the ministry's database polls it). Answers `next`, the cursor to pass as `since` on the next
 * poll; `more` says whether to ask again at once.
 */
import { Router } from 'express';
import type { OpenDataConfig } from '../config.js';
import type { Db } from '../db/knex.js';
import { parseParams } from '../http/params.js';
import { changesQuerySchema } from './changes.schema.js';
import { readChanges } from './changes.service.js';

export function changeFeedRoutes(db: Db, publicBaseUrl: string | undefined, openData: OpenDataConfig): Router {
  const router = Router();
  router.get('/api/changes', async (req, res) => {
    const query = parseParams(changesQuerySchema, req.query);
    const base = publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const page = await readChanges(db, { since: query.since, limit: query.limit, base, boundaries: openData.boundaries, statementTimeoutMs: openData.statementTimeoutMs, keptDays: openData.changeFeedDays });
    // A feed is polled: never cache a page that may grow.
    res.set('Cache-Control', 'no-store');
    res.json(page);
  });
  return router;
}
