import { Router } from 'express';
import type { Db } from '../db/knex.js';
import { NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { listAnswer, listPagingSchema, listWindow, pagingSchema, recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { publicMartyrsOfGrave } from '../martyrs/martyrs.queries.js';
import { publicGrave } from './grave.view.js';
import { findGrave, listGraves } from './graves.queries.js';

/** The list's query schema, also what /api/openapi.json describes it with. */
export const graveListQuery = listPagingSchema.extend({ cemetery: recordIdParam.optional() }).strict();

export function graveApiRoutes(db: Db): Router {
  const router = Router();

  router.get('/api/graves', async (req, res) => {
    const paging = parseParams(graveListQuery, req.query);
    const window = listWindow(paging, localeOf(res));
    const { total, rows, next } = await listGraves(db, { ...window, cemeteryId: paging.cemetery });
    res.json(listAnswer(total, paging, window, rows.map((r) => publicGrave(r)), next));
  });

  router.get('/api/graves/:id', async (req, res) => {
    const { id } = parseParams(pagingSchema.pick({ lang: true }).extend({ id: recordIdParam }).strict(), { ...req.query, id: req.params.id });
    const row = await findGrave(db, id);
    if (!row) throw new NotFoundError('Không tìm thấy phần mộ này. / No such grave.');
    res.json(publicGrave(row, await publicMartyrsOfGrave(db, id)));
  });

  return router;
}
