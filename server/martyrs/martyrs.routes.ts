import { Router } from 'express';
import type { Db } from '../db/knex.js';
import { NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { listAnswer, listPagingSchema, listWindow, pagingSchema, recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { publicMartyr } from './martyr.view.js';
import { findPublicMartyr, listPublicMartyrs } from './martyrs.queries.js';

/** The query schemas of these routes, also what /api/openapi.json describes them with. */
export const martyrListQuery = listPagingSchema.strict();
export const recordQuery = pagingSchema.pick({ lang: true }).strict();

export function martyrApiRoutes(db: Db): Router {
  const router = Router();

  router.get('/api/martyrs', async (req, res) => {
    const paging = parseParams(martyrListQuery, req.query);
    const window = listWindow(paging, localeOf(res));
    const { total, rows, next } = await listPublicMartyrs(db, window);
    res.json(listAnswer(total, paging, window, rows.map(publicMartyr), next));
  });

  router.get('/api/martyrs/:id', async (req, res) => {
    const { id } = parseParams(pagingSchema.pick({ lang: true }).extend({ id: recordIdParam }).strict(), { ...req.query, id: req.params.id });
    const row = await findPublicMartyr(db, id);
    if (!row) throw new NotFoundError('Không tìm thấy liệt sĩ này. / No such martyr record.');
    res.json(publicMartyr(row));
  });

  return router;
}
