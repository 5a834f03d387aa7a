import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { listAnswer, listPagingSchema, listWindow, pagingSchema, recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { publicCemetery } from './cemetery.view.js';
import { findCemetery, listCemeteries } from './cemeteries.queries.js';

/** The list's query schema, also what /api/openapi.json describes it with. */
export const cemeteryListQuery = listPagingSchema.extend({ province: z.string().trim().min(1).max(60).optional() }).strict();

export function cemeteryApiRoutes(db: Db, provinces: ProvinceCatalogue): Router {
  const router = Router();

  router.get('/api/cemeteries', async (req, res) => {
    const params = parseParams(cemeteryListQuery, req.query);
    const window = listWindow(params, localeOf(res));
    let provinceCode: string | undefined;
    if (params.province) {
      const ref = provinces.resolve(params.province);
      if (ref?.scope !== 'current') throw new BadRequestError(`province: unknown current province "${params.province}"`);
      provinceCode = ref.code;
    }
    const { total, rows, next } = await listCemeteries(db, { ...window, provinceCode });
    res.json(listAnswer(total, params, window, rows.map(publicCemetery), next));
  });

  router.get('/api/cemeteries/:id', async (req, res) => {
    const { id } = parseParams(pagingSchema.pick({ lang: true }).extend({ id: recordIdParam }).strict(), { ...req.query, id: req.params.id });
    const row = await findCemetery(db, id);
    if (!row) throw new NotFoundError('Không tìm thấy nghĩa trang này. / No such cemetery.');
    res.json(publicCemetery(row));
  });

  return router;
}
