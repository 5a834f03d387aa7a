import { Router } from 'express';
import type { Db } from '../db/knex.js';
import { translate } from '../i18n/messages.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { portalCounts, type PortalCounts } from './home.queries.js';

/** Counting a million rows on every visit is wasteful; a minute-old count is fine for a home page. */
const COUNTS_TTL_MS = 60_000;

export function homeRoutes(db: Db, canonicalBase: string | undefined): Router {
  const router = Router();
  let cached: { at: number; counts: PortalCounts } | undefined;

  router.get('/', async (req, res) => {
    if (!cached || Date.now() - cached.at > COUNTS_TTL_MS) cached = { at: Date.now(), counts: await portalCounts(db) };
    sendPage(req, res, 'home', {
      title: translate(localeOf(res), 'home.title'),
      canonicalUrl: canonicalBase ? `${canonicalBase}/` : undefined,
      counts: cached.counts,
    });
  });

  router.get('/api/stats', async (_req, res) => {
    res.json(await portalCounts(db));
  });

  return router;
}
