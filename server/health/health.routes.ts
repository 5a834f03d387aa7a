import { Router } from 'express';
import type { Db } from '../db/knex.js';
import type { Meilisearch } from '../search/client.js';
import { checkReadiness } from './readiness.js';

export function healthRoutes(db: Db, meili: Meilisearch): Router {
  const router = Router();

  // Liveness: the process is up and serving; says nothing of its dependencies.
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Readiness: 503 naming what is down, so a load balancer stops sending traffic here.
  router.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(db, meili);
    const down = Object.entries(readiness.checks).filter(([, c]) => !c.ok).map(([name]) => name);
    res
      .status(readiness.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: readiness.ready ? 'ready' : 'unavailable', ...(down.length ? { down } : {}), checks: readiness.checks });
  });

  return router;
}
