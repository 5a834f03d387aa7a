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
  // One count for the home page and /api/stats; requests arriving while it runs wait for it
  // rather than each starting their own (a failed count is not kept).
  let cached: { at: number; counts: Promise<PortalCounts> } | undefined;
  const counts = (): Promise<PortalCounts> => {
    if (!cached || Date.now() - cached.at > COUNTS_TTL_MS) {
      const counting = portalCounts(db);
      cached = { at: Date.now(), counts: counting };
      counting.catch(() => {
        if (cached?.counts === counting) cached = undefined;
      });
    }
    return cached.counts;
  };

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
