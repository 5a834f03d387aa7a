import { Router } from 'express';
import { sendCompactJson } from '../http/compact-json.js';
import { parseParams } from '../http/params.js';
import { searchSchema, suggestSchema } from './search.schema.js';
import { prepareSearch, search, suggest, type SearchDeps, type SearchMeter } from './search.service.js';

/** What the engine cost this answer, for anyone measuring (the benchmark reads it). */
const serverTiming = (meter: SearchMeter) => `engine;dur=${meter.engineMs.toFixed(1)};desc="${meter.calls} calls"`;

export function searchRoutes(deps: SearchDeps): Router {
  const router = Router();
  // At a million records the counts take a few seconds to read: not on a searcher's time.
  prepareSearch(deps);

  router.get('/api/search', async (req, res) => {
    const request = parseParams(searchSchema, req.query);
    const meter: SearchMeter = { calls: 0, engineMs: 0 };
    const body = await search(deps, request, meter);
    res.set('Cache-Control', 'no-store').set('Server-Timing', serverTiming(meter));
    sendCompactJson(req, res, body);
  });

  router.get('/api/suggest', async (req, res) => {
    const request = parseParams(suggestSchema, req.query);
    const meter: SearchMeter = { calls: 0, engineMs: 0 };
    const body = await suggest(deps, request, meter);
    res.set('Cache-Control', 'no-store').set('Server-Timing', serverTiming(meter));
    sendCompactJson(req, res, body);
  });

  return router;
}
