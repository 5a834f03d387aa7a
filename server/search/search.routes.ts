import { Router } from 'express';
import { parseParams } from '../http/params.js';
import { searchSchema, suggestSchema } from './search.schema.js';
import { search, suggest, type SearchDeps } from './search.service.js';

export function searchRoutes(deps: SearchDeps): Router {
  const router = Router();

  router.get('/api/search', async (req, res) => {
    const request = parseParams(searchSchema, req.query);
    res.set('Cache-Control', 'no-store').json(await search(deps, request));
  });

  router.get('/api/suggest', async (req, res) => {
    const request = parseParams(suggestSchema, req.query);
    res.set('Cache-Control', 'no-store').json(await suggest(deps, request));
  });

  return router;
}
