import { Router } from 'express';
import { cachedFor } from '../db/count-cache.js';
import type { Db } from '../db/knex.js';
import { translate } from '../i18n/messages.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { portalCounts, type PortalCounts } from './home.queries.js';

/** Counting a million rows on every visit is wasteful; a minute-old count is fine for a home page. */
const COUNTS_TTL_MS = 60_000;

export function homeRoutes(db: Db, canonicalBase: string | undefined): Router {
  const router = Router();
  // One count for the home page and /api/stats.
  const counts = cachedFor<PortalCounts>(COUNTS_TTL_MS, () => portalCounts(db));

  router.get('/', async (req, res) => {
    sendPage(req, res, 'home', {
      title: translate(localeOf(res), 'home.title'),
      canonicalUrl: canonicalBase ? `${canonicalBase}/` : undefined,
      counts: await counts(),
    });
  });

  router.get('/api/stats', async (_req, res) => {
    res.json(await counts());
  });

  return router;
}
