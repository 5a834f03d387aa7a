import { Router } from 'express';
import type { Db } from '../db/knex.js';
import { NotFoundError } from '../http/errors.js';
import { pagingSchema, recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { publicMartyrsOfGrave } from '../martyrs/martyrs.queries.js';
import { publicGrave } from './grave.view.js';
import { findGrave, listGraves } from './graves.queries.js';

export function graveApiRoutes(db: Db): Router {
  const router = Router();

  router.get('/api/graves', async (req, res) => {
    const paging = parseParams(pagingSchema.extend({ cemetery: recordIdParam.optional() }).strict(), req.query);
    const { total, rows } = await listGraves(db, { ...paging, cemeteryId: paging.cemetery });
    res.json({ total, page: paging.page, perPage: paging.perPage, items: rows.map((r) => publicGrave(r)) });
  });

  router.get('/api/graves/:id', async (req, res) => {
    const { id } = parseParams(pagingSchema.pick({ lang: true }).extend({ id: recordIdParam }).strict(), { ...req.query, id: req.params.id });
    const row = await findGrave(db, id);
    if (!row) throw new NotFoundError('Không tìm thấy phần mộ này. / No such grave.');
    res.json(publicGrave(row, await publicMartyrsOfGrave(db, id)));
  });

  return router;
}
